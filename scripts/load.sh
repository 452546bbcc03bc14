#!/usr/bin/env bash
# Load test of `flowctl serve` side by side with a bare hyper server and a hand-written
# baseline of the Oort work, in one run on 127.0.0.1 (see docs/benchmarks.md).
# The server under test is pinned to CPU 1, the driver and the fake Okta/Slack to CPU 0.
# Usage: scripts/load.sh [--mode all|front|burst|e2e] [--connections 32] [--seconds 5]
#   [--events 2000] [--burst 3000] [--burst-connections 64] [--okta-delay-ms 20]
#   [--max-in-flight 256] [--e2e-max-in-flight 5000] [--server-cpu 1]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q --bin flowctl
cargo build --release -q -p flow-bench --bin flowctl-load --bin flowctl-baseline
pin=()
if command -v taskset > /dev/null && [ "$(nproc)" -ge 2 ]; then
  pin=(taskset -c 0)
  set -- --server-cpu 1 "$@"
fi
exec "${pin[@]}" target/release/flowctl-load --flowctl target/release/flowctl \
  --baseline target/release/flowctl-baseline "$@"
