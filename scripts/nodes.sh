#!/usr/bin/env bash
# Throughput of 1, 2 and 3 `flowctl serve` nodes sharing one PostgreSQL database, and what each
# event costs the database.
#
# For each node count: a fresh database, the nodes (release build) with a flow that answers at
# acceptance (`http.close` first, `dedupe` on the event id) so each event is the store's work
# only: `enqueue` (the run, its dedupe key and the answer, one commit, before the 200), a share
# of a `claim`, and the final record (batched). EVENTS events are posted round-robin over the
# nodes from CONNECTIONS keep-alive connections; timed until every run is finished in the
# database. The database's own counters (pg_stat_database of the bench database) and the
# server's WAL position give commits, rows and bytes per event.
#
# Usage: scripts/nodes.sh [EVENTS] [CONNECTIONS]     (defaults 3000 and 24)
# NODES_STORE_PARAMS is appended to the nodes' store URL, e.g.
#   NODES_STORE_PARAMS='?options=-c%20synchronous_commit%3Doff'   (commits not waiting for the disk)
# Needs: PostgreSQL at FLOWCTL_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
# psql, python3 (standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-3000}
CONNECTIONS=${2:-24}
ADMIN=${FLOWCTL_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
SERVER=${ADMIN%/*}
cargo build --release -q --bin flowctl
FLOWCTL=$PWD/target/release/flowctl

WORK=$(mktemp -d)
PIDS=()
DB=""
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$DB" ]; then psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/flows"
cat >"$WORK/flowctl.yaml" <<'EOF'
flows: flows
server: { listen: "127.0.0.1:0", max_in_flight: 256 }
EOF
cat >"$WORK/flows/bench.yaml" <<'EOF'
flow: bench
trigger:
  api_endpoint:
    security: { client_token: "${env:BENCH_TOKEN}" }
    accept: json
    dedupe: { key: "{{ trigger.json.id }}", window: 24h }
steps:
  - id: ack
    card: http.close
    with: { status: 200, body: { received: true } }
EOF

q() { psql -qAt "$SERVER/$DB" -c "$1"; }

echo "| nodes | events | accepted/s | processed/s | commits/event | rows written/event | WAL bytes/event | node CPU ms/event |"
echo "|---|---|---|---|---|---|---|---|"
for NODES in 1 2 3; do
  DB="flowctl_bench_$$_$NODES"
  psql -q "$ADMIN" -c "CREATE DATABASE $DB" >/dev/null
  PIDS=()
  ADDRS=()
  for n in $(seq 1 "$NODES"); do
    log="$WORK/node-$n.log"
    FLOWCTL_STORE="$SERVER/$DB${NODES_STORE_PARAMS:-}" BENCH_TOKEN=bench-token \
      "$FLOWCTL" --config "$WORK/flowctl.yaml" serve --log-format json 2>"$log" &
    PIDS+=("$!")
    for _ in $(seq 1 200); do
      grep -q '"serve.started"' "$log" && break
      sleep 0.05
    done
    ADDRS+=("$(grep -o '"listen":"http://[^"]*"' "$log" | head -1 | sed 's/.*http:\/\///; s/"$//')")
  done
  # Counters before (the migrations are done: every node has started).
  read -r COMMITS0 ROWS0 < <(q "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = current_database()" | tr '|' ' ')
  LSN0=$(q "SELECT pg_current_wal_lsn()")
  CPU0=0
  for p in "${PIDS[@]}"; do CPU0=$((CPU0 + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  RESULT=$(python3 - "$EVENTS" "$CONNECTIONS" "$SERVER/$DB" "${ADDRS[@]}" <<'PY'
import http.client, json, subprocess, sys, threading, time
events, connections, url, addrs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
body = lambda i: json.dumps({"id": f"bench-{i}", "detail": {"n": i}})
next_event, lock, refused = [0], threading.Lock(), [0]
def worker(c):
    host, port = addrs[c % len(addrs)].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port))
    while True:
        with lock:
            i = next_event[0]; next_event[0] += 1
        if i >= events: return
        while True:
            conn.request("POST", "/api/flo/bench/invoke", body(i),
                         {"x-api-client-token": "bench-token", "content-type": "application/json"})
            r = conn.getresponse(); r.read()
            if r.status == 200: break
            with lock: refused[0] += 1
            time.sleep(0.005)
start = time.monotonic()
threads = [threading.Thread(target=worker, args=(c,)) for c in range(connections)]
for t in threads: t.start()
for t in threads: t.join()
accepted = time.monotonic() - start
polls = 0
while True:
    polls += 1
    done = int(subprocess.run(["psql", "-qAt", url, "-c",
        "SELECT count(*) FROM executions WHERE finished_ms IS NOT NULL"],
        capture_output=True, text=True, check=True).stdout)
    if done >= events: break
    time.sleep(0.05)
processed = time.monotonic() - start
print(f"{events / accepted:.0f} {events / processed:.0f} {refused[0]} {polls}")
PY
)
  read -r ACC PROC REFUSED POLLS <<<"$RESULT"
  CPU1=0
  for p in "${PIDS[@]}"; do CPU1=$((CPU1 + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  # The nodes stop (SIGTERM) and close their connections, which makes PostgreSQL count
  # everything they did.
  for p in "${PIDS[@]}"; do kill "$p"; done
  wait 2>/dev/null || true
  PIDS=()
  sleep 1
  read -r COMMITS1 ROWS1 < <(q "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = current_database()" | tr '|' ' ')
  WAL=$(q "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$LSN0')")
  TICK=$(getconf CLK_TCK)
  # The commits of this script's own queries (the driver's polls, the counters' reads) are
  # taken out.
  python3 -c "
n, e = $NODES, $EVENTS
commits = $COMMITS1 - $COMMITS0 - $POLLS - 2
print(f'| {n} | {e} | {$ACC} | {$PROC} | {commits / e:.2f} | {($ROWS1 - $ROWS0) / e:.2f} | {$WAL / e:.0f} | {($CPU1 - $CPU0) * 1000 / $TICK / e:.2f} |')
"
  [ "$REFUSED" = 0 ] || echo "($REFUSED answers other than 200, retried)"
  psql -q "$ADMIN" -c "DROP DATABASE $DB WITH (FORCE)" >/dev/null
  DB=""
done
