#!/usr/bin/env bash
# Opens liangxin's workbooks (--format xlsx) in a real spreadsheet program: LibreOffice Calc,
# headless, converts every sheet of an eval, a compare and a diff workbook to CSV; the check
# fails if a workbook does not convert, a sheet is missing, or the records sheet of the Longwen
# evaluation differs from `liangxin eval --format csv --output FILE` (the CSV for Excel, opened
# in Calc) in any record, grade or score. The CSV for Excel is also opened the way staff open it
# (double-click: numbers and dates recognised) and saved as a workbook: ids like 00101 and
# 18-digit 身份证号 must come back as they were, and 是/否 must read as Chinese.
#
#   bash scripts/spreadsheet-check.sh     # check (installs LibreOffice Calc when missing and root)
set -euo pipefail
cd "$(dirname "$0")/.."

soffice=$(command -v soffice || command -v libreoffice || true)
if [ -z "$soffice" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "spreadsheet-check: installing LibreOffice Calc (Debian package libreoffice-calc-nogui)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null
    soffice=$(command -v soffice)
  else
    echo "spreadsheet-check: no LibreOffice found; install the Debian package libreoffice-calc-nogui" >&2
    exit 1
  fi
fi

out=target/spreadsheet-check
rm -rf "$out"
mkdir -p "$out"
cargo build --quiet
bin="${CARGO_TARGET_DIR:-target}/debug/liangxin"
# A profile of its own: a user's LibreOffice (running or not) is neither used nor locked.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# convert NAME SHEET... : every sheet of $out/NAME.xlsx to $out/NAME-SHEET.csv (UTF-8, values
# with all their digits rather than as shown), then check each expected sheet is there.
convert() {
  local name=$1; shift
  # Filter options: comma, double quote, UTF-8, from line 1, ..., "as shown" off, all sheets (-1).
  "$soffice" "-env:UserInstallation=file://$profile" --headless \
    --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1' \
    --outdir "$out" "$out/$name.xlsx" >"$out/$name.log" 2>&1 || true
  local ok=true
  for sheet in "$@"; do
    [ -s "$out/$name-$sheet.csv" ] || { fail "$name: LibreOffice gave no sheet '$sheet' ($(tr '\n' ' ' <"$out/$name.log"))"; ok=false; }
  done
  if $ok; then echo "ok   $name: $# sheets open in LibreOffice"; fi
}

# open_csv NAME: $out/NAME.csv opened as Excel or Calc opens a CSV on a double-click (comma,
# UTF-8 by its byte-order mark, numbers and dates recognised, formulas evaluated), saved as
# $out/NAME-opened.xlsx, whose values are read back into $out/NAME-opened-NAME.csv.
open_csv() {
  local name=$1
  cp "$out/$name.csv" "$out/$name-opened.csv"
  "$soffice" "-env:UserInstallation=file://$profile" --headless \
    --infilter='Text - txt - csv (StarCalc):44,34,76,1,,0,false,true' \
    --convert-to xlsx --outdir "$out" "$out/$name-opened.csv" >"$out/$name-opened.log" 2>&1 || true
  convert "$name-opened" "$name-opened"
}

longwen=(-p longwen-points -r fixtures/longwen/members.csv)
$bin eval "${longwen[@]}" --format xlsx -o "$out/eval.xlsx"
# Written to a file, CSV is for Excel: a byte-order mark, labels, 是/否, ids kept as text.
$bin eval "${longwen[@]}" --format csv -o "$out/expected.csv"
$bin compare -p zhuzhou-wuhua-enterprise -p zhuzhou-wuhua-social -p jinan-sanqiang-sanhao \
  -r fixtures/shared/organizations.csv --group-by district --format xlsx -o "$out/compare.xlsx"
$bin diff longwen-points fixtures/diff/longwen-880 -r fixtures/longwen/members.csv --format xlsx -o "$out/diff.xlsx"

convert eval "汇总" "结果 outcomes"
convert compare "汇总" "各标准汇总 per policy" "逐条记录 records" "A zhuzhou-wuhua-enterprise" \
  "B zhuzhou-wuhua-social" "C jinan-sanqiang-sanhao" "一致性 agreement A vs B"
convert diff "汇总" "等次转移 grade transitions" "变动记录 changed records"

# The records sheet holds the title row and the heading above its header; below the header,
# every row must be the row of the CSV for Excel as Calc opens it, cell for cell.
open_csv expected
records="$out/eval-结果 outcomes.csv"
if [ -f "$records" ] && [ -f "$out/expected-opened-expected-opened.csv" ]; then
  if diff <(tail -n +2 "$out/expected-opened-expected-opened.csv" | tr -d '\r') <(tail -n +4 "$records" | tr -d '\r') >"$out/eval.diff"; then
    echo "ok   eval: $(($(wc -l <"$out/expected.csv") - 1)) records, grades and scores in Calc equal the CSV"
  else
    fail "eval: the records sheet in Calc differs from --format csv:"
    head -20 "$out/eval.diff"
  fi
  head -2 "$records" | grep -q "龙文区党员积分定等" || fail "eval: no title row naming the standard"
fi
summary="$out/eval-汇总.csv"
if [ -f "$summary" ]; then
  # Calc writes a percent cell's whole value (95%); the text the other formats show is 95.0%.
  for fact in "records 记录,60" "pass rate 达标率,95%"; do
    grep -qF "$fact" "$summary" || fail "eval: the summary sheet lacks '$fact' as a number"
  done
fi

# The staff round trip: the template opens in Calc; filled in (fixtures/workbooks.py), the
# workbook evaluates to an xlsx result whose records, read back by Calc, equal the CSV output.
$bin template -p longwen-points -o "$out/template.xlsx"
convert template "台账" "填写说明"
filled=(-p longwen-points -r fixtures/longwen/members-from-template.xlsx)
$bin eval "${filled[@]}" --format xlsx -o "$out/filled.xlsx"
$bin eval "${filled[@]}" --format csv -o "$out/filled-expected.csv"
convert filled "汇总" "结果 outcomes"
open_csv filled-expected
if diff <(tail -n +2 "$out/filled-expected-opened-filled-expected-opened.csv" | tr -d '\r') <(tail -n +4 "$out/filled-结果 outcomes.csv" | tr -d '\r') >"$out/filled.diff"; then
  echo "ok   round trip: template -> filled workbook -> eval -> xlsx -> Calc equals the CSV output"
else
  fail "round trip: the filled template's result in Calc differs from --format csv:"
  head -20 "$out/filled.diff"
fi

# Ids a spreadsheet would take for numbers: 00101 (leading zeros) and 18-digit 身份证号 (Excel
# keeps 15 digits), as record ids and in a column the pack does not read. The CSV for Excel
# opened, saved as a workbook and read back keeps every one; the plain CSV for programs
# (--no-bom) does not, which shows the check can fail.
ids=(-p longwen-points -r tests/reports/ledgers/ids-as-numbers.csv)
$bin eval "${ids[@]}" --format csv -o "$out/ids.csv"
$bin eval "${ids[@]}" --format csv --no-bom -o "$out/ids-plain.csv"
open_csv ids
open_csv ids-plain
opened="$out/ids-opened-ids-opened.csv"
if [ -f "$opened" ]; then
  for id in 00101 00102 350602198507120017 350602199203150034 35060219900301002X; do
    grep -q "^$id,\|,$id\(,\|\r\?\$\)" "$opened" || fail "ids: $id did not survive the CSV for Excel opened in Calc: $(head -3 "$opened" | tr '\n' ' ')"
  done
  grep -q ",是,否," "$opened" || fail "ids: yes and no are not 是/否 in the CSV for Excel"
  if ! grep -q "^00101," "$out/ids-plain-opened-ids-plain-opened.csv"; then
    echo "ok   ids: 00101 and 18-digit 身份证号 survive Calc in the CSV for Excel (and are mangled in the plain CSV: $(sed -n 2p "$out/ids-plain-opened-ids-plain-opened.csv" | cut -d, -f1))"
  else
    fail "ids: the plain CSV kept 00101 too; the check no longer tells the two apart"
  fi
fi

if [ "$failures" -gt 0 ]; then
  echo "spreadsheet-check: $failures failure(s); files in $out"
  exit 1
fi
echo "spreadsheet-check: all workbooks open in LibreOffice $("$soffice" --version 2>/dev/null | awk '{print $2; exit}')"
