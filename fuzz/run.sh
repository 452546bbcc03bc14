#!/usr/bin/env bash
# Runs fuzz targets one after another, each for SECONDS (default 600) with one job, logging to
# work/<target>.log. Usage: fuzz/run.sh [SECONDS] [TARGET…]   (see docs/fuzzing.md)
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(project template json_parse request)
export RUSTC_BOOTSTRAP=1
cargo fuzz build -s none
for t in "${targets[@]}"; do
  mkdir -p "work/$t" "artifacts/$t"
  cargo fuzz run -s none "$t" "work/$t" "corpus/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    > "work/$t.log" 2>&1 || echo "$t: exit $?" >> "work/$t.log"
done
