#!/usr/bin/env bash
# The engine's instructions per step, counted by callgrind: `flowctl-steps` runs a 100-step chain
# and a 101-step flow of pure steps and helper calls (each call's one-step helper run counts as
# part of its step), once with RUNS and once with 2×RUNS runs; the difference over the steps of
# the extra runs is the cost of one step, card work included (start-up and compiling cancel out). Usage: scripts/step-cost.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
cargo build --release -q -p flow-bench --bin flowctl-steps
count() {
  local out
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/flowctl-steps "$1" "$2" \
    2>"$out" >/dev/null
  grep -o 'Collected : [0-9]*' "$out" | grep -o '[0-9]*'
  rm -f "$out"
}
for flow in chain mixed; do
  one=$(count "$runs" $flow)
  two=$(count $((runs * 2)) $flow)
  steps=$(target/release/flowctl-steps "$runs" $flow)
  echo "$flow: $one instructions ($runs runs), $two ($((runs * 2)) runs), $steps steps per $runs runs: $(( (two - one) / steps )) per step"
done
