#!/usr/bin/env bash
# SAFETY (issue 18). Two measurements against a node of its own (embedded PostgreSQL, Redis at REDIS_URL):
#   bench/safety.sh cost [--runs 2] [location bench options: --trips 200 --rate 2000 --duration 20 ...]
#     the node's CPU per location update with the trip safety monitor off and on (SAFETY_MONITOR=false/true),
#     alternating, each run a fresh node driven by the P-LOC location bench (BenchMain location); prints both lines
#     and the CPU per update of each.
#   bench/safety.sh detect [sim options: --drivers 200 --passengers 400 --rogue-drivers 0.2 --duration 150s ...]
#     ./hushryd sim with rogue drivers against a node whose thresholds are scaled down (SAFETY_* below, overridable
#     in the environment): the report's safety.<kind> rows are the detection latencies (misbehaviour to the
#     passengers' safety:check) and safety.false_alarm counts checks on normal trips.
# Numbers depend on the machine's load: the script prints `uptime` next to them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source bench/lib.sh
MODE="${1:-}"; shift || true
REDIS="${REDIS_URL:-redis://127.0.0.1:6379}"
need curl "waits for the node"
need_redis "$REDIS"
build_bench
trap cleanup_pids EXIT

# start_node OUT_PID_VAR PORT DATA [VAR=value ...]: a node on embedded PostgreSQL with generous quotas
start_node() {
  local port="$1" data="$2"
  shift 2
  env -i PATH="$PATH" HOME="$HOME" PORT="$port" HOST=127.0.0.1 LOG_LEVEL=warn REDIS_URL="$REDIS" DATA_DIR="$data" \
    BCRYPT_COST=4 DB_POOL_MAX=20 HUSHRYD_SKIP_BUILD=1 RATE_LIMIT_ANONYMOUS=1000000/1m \
    RATE_LIMIT_AUTHENTICATED=1000000/1m RATE_LIMIT_SOCKET_EVENTS=1000000/1s RATE_LIMIT_CRITICAL=1000000/1m \
    JAVA_OPTS="${SERVER_JAVA_OPTS:--Xmx1g -XX:+UseParallelGC}" "$@" "$ROOT/hushryd" serve >"$data/node.log" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
  wait_http "http://127.0.0.1:$port/health/ready" "$NODE_PID" "$data/node.log"
  SERVER_PID=$(pgrep -P "$NODE_PID" java || echo "$NODE_PID")
}

case "$MODE" in
  cost)
    RUNS=2
    if [ "${1:-}" = "--runs" ]; then RUNS="$2"; shift 2; fi
    OUT=$(mktemp)
    for run in $(seq 1 "$RUNS"); do
      for monitor in false true; do
        PORT=$(free_port); DATA=$(mktemp -d)
        start_node "$PORT" "$DATA" SAFETY_MONITOR="$monitor"
        echo "# run $run monitor=$monitor: node pid $SERVER_PID port $PORT; $(uptime)" >&2
        (exec_bench_java -Xmx1g -XX:+UseParallelGC com.hushryd.bench.BenchMain location \
          --url "http://127.0.0.1:$PORT" --server-pid "$SERVER_PID" --label "monitor-$monitor" "$@") \
          | tee -a "$OUT"
        stop_pid "$NODE_PID"
        rm -rf "$DATA"
      done
    done
    echo "# $(uptime)"
    python3 - "$OUT" <<'PY'
import re, sys, statistics
rows = {}
for line in open(sys.argv[1]):
    m = re.search(r"^(monitor-\w+).*acked-updates/s=([0-9.]+).*server-cpu=([0-9.]+)%", line)
    if m:
        rows.setdefault(m.group(1), []).append(float(m.group(3)) * 1e4 / max(1.0, float(m.group(2))))
for label, values in rows.items():
    print(f"{label}: node CPU per location update {statistics.median(values):.1f} us (median of {len(values)}: "
          + ", ".join(f"{v:.1f}" for v in values) + ")")
if len(rows) == 2:
    off, on = statistics.median(rows["monitor-false"]), statistics.median(rows["monitor-true"])
    print(f"monitor on / off = {on / off:.3f} ({(on / off - 1) * 100:+.1f} %)")
PY
    ;;
  detect)
    "$ROOT/hushryd" sim --version >/dev/null # builds the simulator (bench module) now if needed, not during the run
    PORT=$(free_port); DATA=$(mktemp -d)
    start_node "$PORT" "$DATA" SAFETY_STOP_AFTER="${SAFETY_STOP_AFTER:-30s}" \
      SAFETY_SILENCE_AFTER="${SAFETY_SILENCE_AFTER:-20s}" SAFETY_DEVIATION_FOR="${SAFETY_DEVIATION_FOR:-20s}" \
      SAFETY_SPEED_FOR="${SAFETY_SPEED_FOR:-10s}" SAFETY_CHECK_DEADLINE="${SAFETY_CHECK_DEADLINE:-2m}"
    echo "# node pid $SERVER_PID port $PORT (stop 30s, silence 20s, deviation 20s, speed 10s unless set); $(uptime)" >&2
    HUSHRYD_SKIP_BUILD=1 "$ROOT/hushryd" sim --url "http://127.0.0.1:$PORT" "$@" || true
    echo "# $(uptime)"
    ;;
  *)
    echo "usage: bench/safety.sh cost|detect [options]" >&2
    exit 2
    ;;
esac
