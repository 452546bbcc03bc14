#!/bin/bash
# Measures `flowctl import` on survey records of Okta Workflows exports (see README.md):
# rehydrates each record into an export, imports it, validates the project, and tallies.
#   RECORDS=DIR scripts/import-survey/measure.sh [FLOWCTL] [OUT]
set -u
BIN=${1:-target/debug/flowctl}
OUT=${2:-/tmp/import-survey}
RECORDS=${RECORDS:?set RECORDS to the directory of survey records}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
rm -rf "$OUT"; mkdir -p "$OUT/packs" "$OUT/proj" "$OUT/log"
python3 "$(dirname "$0")/rehydrate.py" "$RECORDS" "$OUT/packs"
: > "$OUT/summary.txt"
for p in "$OUT"/packs/*.flopack; do
  case $p in *.partial.flopack) continue ;; esac
  n=$(basename "$p" .flopack)
  "$BIN" import "$p" --out "$OUT/proj/$n" > "$OUT/log/$n.import" 2>&1
  rc=$?
  v=-
  if [ $rc = 0 ]; then
    if (cd "$OUT/proj/$n" && "$BIN" validate > "$OUT/log/$n.validate" 2>&1); then v=ok; else v=FAIL; fi
  fi
  echo "$n import=$rc validate=$v $(head -1 "$OUT/log/$n.import" | sed 's/.*: //')" >> "$OUT/summary.txt"
done
cat "$OUT/summary.txt"
echo "templates=$(wc -l < "$OUT/summary.txt") imported_completely=$(grep -c 'import=0' "$OUT/summary.txt") validated=$(grep -c 'validate=ok' "$OUT/summary.txt")"
echo "--- cards that block (by templates):"
grep -h "cards that block the rest" "$OUT"/log/*.import | sed 's/.*rest: //' | tr ',' '\n' \
  | sed 's/ in [0-9]* flows\?$//; s/^ *//' | sort | uniq -c | sort -rn
