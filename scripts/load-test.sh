#!/usr/bin/env bash
# A short load test of the workbench, for CI (crates/liangxin-server/examples/load.rs):
# `liangxin serve` started on a loopback port; single-record evaluations from 32 clients, then
# 10,000-row uploads from 4; each bounded in requests and seconds (well under a minute in all).
# Fails on any answer that is not 200 with the body the library gives. It uses the debug build
# `cargo test` already made, so its figures are not the published ones: those are from release
# builds (docs/performance.md, "Workbench under load").
#
#   bash scripts/load-test.sh              # debug build, short
#   bash scripts/load-test.sh --release    # the same on a release build
set -euo pipefail
cd "$(dirname "$0")/.."

profile=()
[ "${1:-}" = "--release" ] && profile=(--release)

cargo build --quiet "${profile[@]}" --bin liangxin
load() { cargo run --quiet "${profile[@]}" -p liangxin-server --example load -- --baseline-seconds 1 "$@"; }
load --scenario single --clients 32 --requests 3000 --seconds 10
load --scenario upload --clients 4 --rows 10000 --upload-requests 8 --upload-seconds 20
# The server read the bundled packs and must have left them as they were.
if [ -e policies/.git ] || [ -n "$(git status --porcelain -- policies 2>/dev/null)" ]; then
  echo "load-test: the bundled packs were changed by the run" >&2
  exit 1
fi
