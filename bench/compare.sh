#!/usr/bin/env bash
# Side-by-side peer comparisons of SPEC.md section 4, one command each, on this machine, same load, same Redis.
#   bench/compare.sh fanout [--redis URL] [--rates 1000,200] [--runs 1] [--clients 1000 --rooms 10 ...]
#   bench/compare.sh jobs [--concurrency 1,8,32] [--seconds 5] [--runs 1]
# See --help and bench/README.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

usage() {
  cat <<'EOF'
Usage:
  bench/compare.sh fanout [options]   P-FANOUT: HushRyd's gateway (Redis broker) vs Node.js Socket.IO 4.8 with
                                      @socket.io/redis-adapter, same load client (BenchMain fanout), same rooms,
                                      same publish rate, same Redis; for each rate, HushRyd first, then the peer.
      --redis URL           Redis both servers use (default: $REDIS_URL or redis://127.0.0.1:6379)
      --rates R1,R2         publishes/s, one pair of runs each (default: 1500,200: 1500 x 100 members = 150,000
                            deliveries/s offered, about one Node thread's ceiling with a whole core here; 200 =
                            20,000/s is below both ceilings, for latency)
      --runs N              repeat each pair N times; the table shows medians (default: 1)
      --sides LIST          which servers to run, in order (default: hushryd,hushryd-no-recovery,node-socketio;
                            hushryd has connection state recovery on, its default: every broadcast numbered and kept
                            in a Redis stream; hushryd-no-recovery runs with REALTIME_RECOVERY_WINDOW=0)
      --clients N --rooms M --publishers P --payload B --warmup S --duration S --local-addresses K
                            passed to the load client (defaults: 1000, 10, 4, 100, 3, 10, 1)
  bench/compare.sh jobs [options]     P-JOBS: HushRyd's Redis queue (JobsBench --backends redis) vs BullMQ 6.7 on the
                                      same Redis, no-op jobs, same concurrency, same phases (bench/README.md).
      --concurrency 1,8,32  producers = worker concurrency (default: 1,8,32)
      --seconds S           producing time, and latency-phase time, per run (default: 5)
      --runs N              repeat both N times; the table shows medians (default: 1)
Needs: Java 17 and Maven (builds the bench module), Node.js 20 + npm (installs the peer into bench/peers/*/node_modules
on first use), Redis (jobs also needs the local PostgreSQL: JobsBench creates a scratch database), python3.
Environment: REDIS_URL, DATABASE_URL, SERVER_JAVA_OPTS (HushRyd server JVM, default -Xmx2g -XX:+UseParallelGC).
EOF
}

MODE="${1:-}"
[ $# -gt 0 ] && shift
case "$MODE" in
  fanout | jobs) ;;
  -h | --help | help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac

REDIS="${REDIS_URL:-redis://127.0.0.1:6379}"
RUNS=1
WORK=$(mktemp -d)
cleanup() {
  cleanup_pids
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need java "the HushRyd side"
need mvn "builds the bench module"
need python3 "free ports and the result table"
need curl "readiness checks"

# ------------------------------------------------------------------------------------------------------- fan-out
fanout() {
  local rates="1500,200" client_args=() clients=1000 rooms=10 sides="hushryd,hushryd-no-recovery,node-socketio" side
  while [ $# -gt 0 ]; do
    case "$1" in
      --redis) REDIS="$2"; shift 2 ;;
      --rates) rates="$2"; shift 2 ;;
      --sides) sides="$2"; shift 2 ;;
      --runs) RUNS="$2"; shift 2 ;;
      --clients) clients="$2"; shift 2 ;;
      --rooms) rooms="$2"; shift 2 ;;
      --publishers | --payload | --warmup | --duration | --local-addresses) client_args+=("$1" "$2"); shift 2 ;;
      -h | --help) usage; exit 0 ;;
      *) echo "error: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
  done
  [[ " ${client_args[*]-} " == *" --warmup "* ]] || client_args+=(--warmup 3)
  [[ " ${client_args[*]-} " == *" --duration "* ]] || client_args+=(--duration 10)
  need_redis "$REDIS"
  npm_install "$ROOT/bench/peers/socketio"
  build_bench
  local rate run files=()
  echo "# P-FANOUT side by side: $clients clients in $rooms rooms, rates $rates publishes/s, $RUNS run(s) each," \
    "Redis $REDIS, $(nproc) cores shared by servers, client and Redis; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  for rate in ${rates//,/ }; do
    files+=("$WORK/fanout-$rate.jsonl")
    for run in $(seq 1 "$RUNS"); do
      # alternate the order between runs: no side always gets the machine first (or the warmer Redis)
      local order=${sides//,/ }
      [ $((run % 2)) -eq 0 ] && order=$(echo "$order" | tr ' ' '\n' | tac | tr '\n' ' ')
      for side in $order; do
        fanout_run "$side" "$rate" "${files[-1]}" --clients "$clients" --rooms "$rooms" "${client_args[@]}"
      done
    done
  done
  python3 "$ROOT/bench/compare_table.py" fanout "${files[@]}"
}

# fanout_run LABEL RATE JSON [client options]: starts one server, runs the load client against it, stops the server.
fanout_run() {
  local label="$1" rate="$2" json="$3" port log launcher pid
  shift 3
  port=$(free_port)
  log="$WORK/$label.log"
  if [ "$label" = hushryd ] || [ "$label" = hushryd-no-recovery ]; then
    local window=2m
    [ "$label" = hushryd-no-recovery ] && window=0
    env -i PATH="$PATH" HOME="$HOME" PORT="$port" HOST=127.0.0.1 LOG_LEVEL=warn REDIS_URL="$REDIS" \
      REALTIME_RECOVERY_WINDOW="$window" \
      HUSHRYD_SKIP_BUILD=1 JAVA_OPTS="${SERVER_JAVA_OPTS:--Xmx2g -XX:+UseParallelGC}" \
      "$ROOT/hushryd" serve --fixture fanout >"$log" 2>&1 &
  else
    env -i PATH="$PATH" HOME="$HOME" PORT="$port" HOST=127.0.0.1 REDIS_URL="$REDIS" NODE_ENV=production \
      node "$ROOT/bench/peers/socketio/server.js" >"$log" 2>&1 &
  fi
  launcher=$!
  PIDS+=("$launcher")
  wait_http "http://127.0.0.1:$port/stats" "$launcher" "$log"
  pid=$(pgrep -P "$launcher" java || echo "$launcher")
  echo "# $label: pid $pid on port $port, $rate publishes/s" >&2
  local redis_before redis_after
  redis_before=$(redis_cpu_seconds)
  run_bg /dev/null exec_bench_java -Xmx4g -XX:+UseParallelGC com.hushryd.bench.BenchMain fanout \
    --url "http://127.0.0.1:$port" --server-pid "$pid" --label "$label" --json "$json" --rate "$rate" "$@" \
    || echo "# $label run failed" >&2
  redis_after=$(redis_cpu_seconds)
  # Redis's own CPU over the whole run (connect, warm-up, window): the broker's work there, e.g. numbering and
  # keeping broadcasts for recovery; added to the run's line for the table
  python3 - "$json" "$redis_before" "$redis_after" <<'PY'
import json, sys
path, before, after = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(path).read().splitlines()
if lines and before and after:
    r = json.loads(lines[-1])
    r["redisCpuSeconds"] = float(after) - float(before)
    lines[-1] = json.dumps(r)
    open(path, "w").write("\n".join(lines) + "\n")
PY
  stop_pid "$launcher"
  if grep -qiE 'error|exception' "$log"; then
    echo "# $label server log:" >&2
    grep -iE 'error|exception' "$log" | head -5 >&2
  fi
}

# CPU seconds Redis has used since it started (INFO cpu, user + sys), or nothing when it cannot be asked.
redis_cpu_seconds() {
  python3 - "$REDIS" <<'PY' 2>/dev/null || true
import socket, sys
url = sys.argv[1][len("redis://"):] if sys.argv[1].startswith("redis://") else sys.argv[1]
hostport = url.split("/")[0].split("@")[-1]
host, _, port = hostport.partition(":")
s = socket.create_connection((host, int(port or 6379)), timeout=2)
s.sendall(b"INFO cpu\r\n")
data = b""
while b"used_cpu_user:" not in data or not data.endswith(b"\r\n"):
    data += s.recv(65536)
fields = dict(l.split(":", 1) for l in data.decode().splitlines() if ":" in l)
print("%.3f" % (float(fields["used_cpu_sys"]) + float(fields["used_cpu_user"])))
PY
}

# ---------------------------------------------------------------------------------------------------------- jobs
jobs_compare() {
  local conc="1,8,32" seconds=5 run out="$WORK/jobs.txt"
  while [ $# -gt 0 ]; do
    case "$1" in
      --concurrency) conc="$2"; shift 2 ;;
      --seconds) seconds="$2"; shift 2 ;;
      --runs) RUNS="$2"; shift 2 ;;
      --redis) REDIS="$2"; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      *) echo "error: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
  done
  need_redis "$REDIS"
  export REDIS_URL="$REDIS"
  npm_install "$ROOT/bench/peers/bullmq"
  build_bench
  echo "# P-JOBS side by side: concurrency $conc, $seconds s per phase, $RUNS run(s), Redis $REDIS," \
    "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  for run in $(seq 1 "$RUNS"); do
    run_bg "$out" exec_bench_java -Xms512m -XX:+UseParallelGC com.hushryd.bench.JobsBench \
      --backends redis --concurrency "$conc" --seconds "$seconds" || echo "# HushRyd run failed" >&2
    run_bg "$out" node "$ROOT/bench/peers/bullmq/bench.js" --concurrency "$conc" \
      --seconds "$seconds" || echo "# BullMQ run failed" >&2
  done
  python3 "$ROOT/bench/compare_table.py" jobs "$out"
}

case "$MODE" in
  fanout) fanout "$@" ;;
  jobs) jobs_compare "$@" ;;
esac
