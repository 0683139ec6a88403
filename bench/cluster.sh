#!/usr/bin/env bash
# P-SCALE: room fan-out and location updates through one Redis against a 3-master Redis Cluster on the same machine,
# and how the cluster's shards shared the work (INFO commandstats of each: publishes and scripts per shard, Redis
# CPU per shard). Starts its own Redis processes (the machine's redis-server 7) on ports BENCH_REDIS_PORT.. +3
# (default 23000: 23000 the single Redis, 23001-23003 the cluster's masters, no replicas), a node per run (fan-out:
# `serve --fixture fanout`; location: `serve` on embedded PostgreSQL), and the bench client; stops them all.
#   bench/cluster.sh [fanout|location|both] [--duration 10]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source "$ROOT/bench/lib.sh"
WHAT="${1:-both}"; [ $# -gt 0 ] && shift
DURATION=10
if [ "${1:-}" = "--duration" ]; then DURATION="$2"; shift 2; fi
BASE="${BENCH_REDIS_PORT:-23000}"
DIR=$(mktemp -d)
REDIS_PIDS=()
cleanup() {
  cleanup_pids
  local p
  for p in "${REDIS_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT

start_redis() { # port [cluster]
  mkdir -p "$DIR/$1"
  redis-server --port "$1" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR/$1" --protected-mode no \
    ${2:+--cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000} >"$DIR/$1/log" 2>&1 &
  REDIS_PIDS+=($!)
  for _ in $(seq 1 100); do redis-cli -p "$1" PING >/dev/null 2>&1 && return; sleep 0.05; done
  echo "redis-server on $1 did not start" >&2; exit 1
}
start_redis "$BASE"
for i in 1 2 3; do start_redis $((BASE + i)) cluster; done
redis-cli --cluster create 127.0.0.1:$((BASE + 1)) 127.0.0.1:$((BASE + 2)) 127.0.0.1:$((BASE + 3)) \
  --cluster-replicas 0 --cluster-yes >/dev/null
for _ in $(seq 1 100); do
  redis-cli -p $((BASE + 1)) CLUSTER INFO | grep -q cluster_state:ok && break; sleep 0.1
done
SINGLE="redis://127.0.0.1:$BASE"
CLUSTER="redis-cluster://127.0.0.1:$((BASE + 1)),127.0.0.1:$((BASE + 2)),127.0.0.1:$((BASE + 3))"
build_bench

reset_stats() { for p in "$@"; do redis-cli -p "$p" CONFIG RESETSTAT >/dev/null; done; }
cpu_of() { redis-cli -p "$1" INFO cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.2f", s}'; }
# one line per Redis: calls of the commands that carry the load since the reset, and its CPU seconds
shard_report() { # label ports...
  local label="$1"; shift
  python3 - "$label" "$@" <<'PY'
import subprocess, sys
label, ports = sys.argv[1], sys.argv[2:]
rows = []
for p in ports:
    stats = subprocess.run(["redis-cli", "-p", p, "INFO", "commandstats"], capture_output=True, text=True).stdout
    calls = {}
    for line in stats.splitlines():
        if line.startswith("cmdstat_"):
            name, rest = line[8:].split(":", 1)
            calls[name] = int(dict(kv.split("=") for kv in rest.split(","))["calls"])
    cpu = subprocess.run(["redis-cli", "-p", p, "INFO", "cpu"], capture_output=True, text=True).stdout
    secs = sum(float(l.split(":")[1]) for l in cpu.splitlines() if l.startswith(("used_cpu_sys:", "used_cpu_user:")))
    rows.append((p, calls.get("spublish", 0), calls.get("publish", 0), calls.get("evalsha", 0) + calls.get("eval", 0), secs))
tot_pub = sum(r[1] + r[2] for r in rows) or 1
tot_scr = sum(r[3] for r in rows) or 1
for p, sp, pb, sc, secs in rows:
    print(f"{label} redis:{p} spublish={sp} publish={pb} share-of-publishes={(sp + pb) / tot_pub:.2f} "
          f"scripts={sc} share-of-scripts={sc / tot_scr:.2f} redis-cpu-s(total since start)={secs:.2f}")
PY
}

start_node() { # redis-url log [extra args]
  local url="$1" log="$2"; shift 2
  PORT=$(free_port)
  env -i PATH="$PATH" HOME="$HOME" PORT="$PORT" HOST=127.0.0.1 LOG_LEVEL=warn REDIS_URL="$url" DATA_DIR="$DIR/data-$PORT" \
    BCRYPT_COST=4 DB_POOL_MAX=20 HUSHRYD_SKIP_BUILD=1 RATE_LIMIT_ANONYMOUS=1000000/1m \
    RATE_LIMIT_AUTHENTICATED=1000000/1m RATE_LIMIT_SOCKET_EVENTS=1000000/1s RATE_LIMIT_CRITICAL=1000000/1m \
    JAVA_OPTS="${SERVER_JAVA_OPTS:--Xmx1g -XX:+UseParallelGC}" "$ROOT/hushryd" serve "$@" >"$log" 2>&1 &
  NODE=$!
  PIDS+=("$NODE")
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$PORT/health/live" >/dev/null 2>&1 && break
    curl -fs "http://127.0.0.1:$PORT/stats" >/dev/null 2>&1 && break
    kill -0 $NODE 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.2
  done
  SERVER_PID=$(pgrep -P $NODE java || echo $NODE)
}
stop_node() { stop_pid "$NODE"; }

for target in ${BENCH_TARGETS:-single cluster}; do
  if [ "$target" = single ]; then URL="$SINGLE"; PORTS=("$BASE"); else URL="$CLUSTER"; PORTS=($((BASE + 1)) $((BASE + 2)) $((BASE + 3))); fi
  if [ "$WHAT" = fanout ] || [ "$WHAT" = both ]; then
    start_node "$URL" "$DIR/fanout-$target.log" --fixture fanout
    reset_stats "${PORTS[@]}"
    echo "# fanout on $target Redis ($URL); load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    (exec_bench_java -Xmx1g -XX:+UseParallelGC com.hushryd.bench.BenchMain fanout --url "http://127.0.0.1:$PORT" \
      --server-pid "$SERVER_PID" --label "fanout-$target" --clients 600 --rooms 60 --rate 2000 --warmup 3 \
      --duration "$DURATION" "$@")
    shard_report "fanout-$target" "${PORTS[@]}"
    stop_node
  fi
  if [ "$WHAT" = location ] || [ "$WHAT" = both ]; then
    start_node "$URL" "$DIR/location-$target.log"
    for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
    reset_stats "${PORTS[@]}"
    echo "# location on $target Redis ($URL); load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    (exec_bench_java -Xmx1g -XX:+UseParallelGC com.hushryd.bench.BenchMain location --url "http://127.0.0.1:$PORT" \
      --server-pid "$SERVER_PID" --trips 100 --rate 2000 --duration "$DURATION" "$@")
    shard_report "location-$target" "${PORTS[@]}"
    stop_node
  fi
done
