#!/usr/bin/env bash
# Renders the bundled compare reports and the grid plan as HTML, opens them in headless Chromium
# and checks the rendered DOM: the page's script ran (body data-ready="1"), it reported no
# script error, the seeds' figures are on the page, and filtering and sorting through the link work.
#
#   bash scripts/browser-check.sh                 # check (installs Chromium when missing and root)
#   bash scripts/browser-check.sh --screenshot    # also write target/report-*.png to look at
set -euo pipefail
cd "$(dirname "$0")/.."

screenshot=false
[ "${1:-}" = "--screenshot" ] && screenshot=true

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "browser-check: installing Chromium (Debian package)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    browser=$(command -v chromium)
  else
    echo "browser-check: no Chromium found; install the Debian package chromium" >&2
    exit 1
  fi
fi

# Screenshots need a CJK font, or Chinese shows as boxes (the DOM check does not).
if $screenshot && command -v fc-list >/dev/null && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "browser-check: installing a CJK font for screenshots (fonts-noto-cjk)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null
  else
    echo "browser-check: no CJK font; screenshots will show boxes for Chinese (install fonts-noto-cjk)" >&2
  fi
fi

out=target/browser-check
mkdir -p "$out"
cargo build --quiet
bin="${CARGO_TARGET_DIR:-target}/debug/liangxin"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

chrome() {
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --virtual-time-budget=3000 "$@" 2>/dev/null
}

failures=0
# check NAME URL-FRAGMENT EXPECTED... : render, dump the DOM, look for every expected string
# (`first-row:TEXT` looks in the first row of the records table only).
check() {
  local name=$1 fragment=$2; shift 2
  local page="$PWD/$out/$name.html"
  local dom
  dom=$(chrome --dump-dom "file://$page$fragment")
  local ok=true
  grep -q 'data-ready="1"' <<<"$dom" || { echo "FAIL $name: the page's script did not finish"; ok=false; }
  grep -q '<pre id="errors"></pre>' <<<"$dom" || { echo "FAIL $name: the page reported a script error: $(grep -o '<pre id="errors">[^<]*' <<<"$dom")"; ok=false; }
  # The first row of the records table, for checking a sort.
  local first_row
  first_row=$(tr -d '\n' <<<"$dom" | grep -o '<table class="records".*' | grep -o '<tbody><tr>.*' | sed 's#</tr>.*##' || true)
  for expected in "$@"; do
    case "$expected" in
      first-row:*) grep -qF -- "${expected#first-row:}" <<<"$first_row" || { echo "FAIL $name$fragment: the first row lacks '${expected#first-row:}'"; ok=false; } ;;
      *) grep -qF -- "$expected" <<<"$dom" || { echo "FAIL $name$fragment: '$expected' is not in the rendered page"; ok=false; } ;;
    esac
  done
  if $ok; then echo "ok   $name$fragment"; else failures=$((failures + 1)); fi
  if $screenshot; then chrome --window-size=1200,1600 --screenshot="$PWD/target/report-$name.png" "file://$page$fragment" && echo "     screenshot: target/report-$name.png"; fi
}

$bin compare -p zhuzhou-wuhua-enterprise -p zhuzhou-wuhua-social -r fixtures/zhuzhou/social-branches.csv --group-by district --format html -o "$out/zhuzhou.html"
$bin compare -p jinan-sanqiang-sanhao -p fixtures/diff/jinan-five-of-six -r fixtures/jinan/organizations.csv --format html -o "$out/jinan.html"
$bin compare -p zhuzhou-wuhua-enterprise -p zhuzhou-wuhua-social -p jinan-sanqiang-sanhao --format html -o "$out/standards.html"
$bin compare -p zhuzhou-wuhua-enterprise -p zhuzhou-wuhua-social -p jinan-sanqiang-sanhao -r fixtures/shared/organizations.csv --group-by district --format html -o "$out/shared.html"
$bin eval -p longwen-grid -r fixtures/longwen/organizations-weak-grid.csv --format html -o "$out/grid.html"

check zhuzhou "" "85.6%" "88.8%" "<svg" 'class="shown" data-for="records-1">125<'
# ZZS0009 fails only 年检: filtering by its id leaves one row.
check zhuzhou "#filter=ZZS0009" 'class="shown" data-for="records-1">1<'
# Both standards fund at most 53 创建对象 (5,654,000 with the startup funds); under the revision
# (five criteria of six) more organizations qualify, and those beyond the 53 are 符合条件未列入.
check jinan "" "5,654,000" "startup_funds 354,000" "市级示范点创建对象 5,300,000" "符合条件未列入 42 (10.5%)" 'first-row:data-value="JN20180001"'
# Sorting by B's money, highest first, puts a 100,000-yuan candidate first.
check jinan "#sort=jinan-sanqiang-sanhao%232.money:desc" 'first-row:data-value="100000"'
check standards "" "组织生活" "社会评价好" "经费保障"
check shared "" "68.3%" "30.0%" "15.0%" "1,836,000" "天元区" 'class="shown" data-for="records-1">120<'
check shared "#filter=市级示范点创建对象" 'class="shown" data-for="records-1">18<'
# The 1+N grid plan: the leads, the grid left without one as a finding, the pairs awaiting it.
check grid "" "LWO2022033" "finding: 印刷包装: no record qualifies to lead" "印刷包装 待结对 awaiting a lead" 'class="shown" data-for="records-1">48<'
check grid "#filter=LWO2022041" 'class="shown" data-for="records-1">1<'

if [ "$failures" -gt 0 ]; then
  echo "browser-check: $failures page(s) failed"
  exit 1
fi
echo "browser-check: all pages rendered as expected"
