#!/usr/bin/env bash
# The workbench walked as staff use it, in a real browser: sign in, upload the Longwen
# workbook, open a record's explanation, publish it and open 档案 and the 公示 page, change 900 to 880, preview what moves, save, see the
# commit in History, restore, then sign in as a viewer and find editing refused. Screenshots of
# every page go to target/workbench-walk/. Installs Debian's chromium, chromium-driver and a CJK
# font when missing (as root).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
if command -v fc-list >/dev/null && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then need+=(fonts-noto-cjk); fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "workbench-walk: installing ${need[*]} (Debian packages)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "workbench-walk: missing ${need[*]}; install the Debian packages" >&2
    exit 1
  fi
fi

cargo build --quiet
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
bin="$target/debug/liangxin"
out="$PWD/target/workbench-walk"
work=$(mktemp -d)
server_pid=""; driver_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$driver_pid" ] && kill "$driver_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

library="$work/标准库"
printf 'password-123\n' | "$bin" user add 王科长 --role editor --library "$library"
printf 'password-123\n' | "$bin" user add 小李 --role viewer --library "$library"

"$bin" serve --library "$library" --addr 127.0.0.1:0 >"$work/serve.log" 2>&1 &
server_pid=$!
driver_port=$((20000 + RANDOM % 20000))
chromedriver --port="$driver_port" >"$work/driver.log" 2>&1 &
driver_pid=$!

url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.log" | head -1 || true)
  [ -n "$url" ] && curl -fs "http://127.0.0.1:$driver_port/status" >/dev/null 2>&1 && break
  sleep 0.2
done
[ -n "$url" ] || { echo "workbench-walk: the server did not start:"; cat "$work/serve.log"; exit 1; }

python3 scripts/workbench_walk.py "$bin" "$url" "http://127.0.0.1:$driver_port" "$library" "$out"
