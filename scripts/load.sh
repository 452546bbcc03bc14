#!/usr/bin/env bash
# Load test of `flowctl serve` next to a bare hyper server, in one run on 127.0.0.1.
# Usage: scripts/load.sh [--connections 32] [--seconds 5] [--events 2000] [--max-in-flight 256]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q --bin flowctl
cargo build --release -q -p flow-bench --bin flowctl-load
exec target/release/flowctl-load --flowctl target/release/flowctl "$@"
