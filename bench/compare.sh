#!/usr/bin/env bash
# Side-by-side peer comparisons of SPEC.md section 4, one command each, on this machine, same load, same Redis.
#   bench/compare.sh fanout [--redis URL] [--rates 1500,200] [--runs 5] [--clients 1000 --rooms 10 ...]
#   bench/compare.sh jobs [--concurrency 1,8,32] [--seconds 5] [--runs 5]
# Each server gets the same CPU: pinned with taskset to SERVER_CPUS, the load client and a private Redis to LOAD_CPUS.
# See --help and bench/README.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

usage() {
  cat <<'EOF'
Usage:
  Fairness: every server (HushRyd's JVM, Node, the ceiling; for jobs the whole bench process of each side, BullMQ's
  worker child included) runs pinned by taskset to the same CPU set (--server-cpus, default: the last core), the
  load client and the Redis to the others (--load-cpus, default: core 0); the order of the sides alternates from
  one run to the next; the tables show medians of --runs runs (default 5) and the server's CPU time from /proc.
  Unless --redis is given a private redis-server (no persistence) is started for the comparison, pinned with the
  load client, so other users of the machine's Redis do not weigh on one side only.
      --server-cpus LIST    taskset CPU list of the server under test (default: the last core)
      --load-cpus LIST      taskset CPU list of the load client and the private Redis (default: 0)
      --no-pin              no taskset (the servers share every core with the client and Redis)
  bench/compare.sh fanout [options]   P-FANOUT: HushRyd's gateway (Redis broker) vs Node.js Socket.IO 4.8 with
                                      @socket.io/redis-adapter, same load client (BenchMain fanout), same rooms,
                                      same publish rate, same Redis; the order of the sides alternates run by run.
                                      The side "ceiling" is bench's CeilingServer: Vert.x writing one pre-encoded
                                      frame to each member, no Socket.IO logic and no Redis; "ceiling-direct"
                                      the same writing each member's channel one shared pre-framed buffer below
                                      Vert.x's WebSocket, flushed once per pass (decision 0079: no cheaper here).
      --redis URL           use this Redis instead of a private one (e.g. $REDIS_URL)
      --rates R1,R2         publishes/s, one pair of runs each (default: 1500,200: 1500 x 100 members = 150,000
                            deliveries/s offered, about one Node thread's ceiling with a whole core here; 200 =
                            20,000/s is below both ceilings, for latency)
      --runs N              repeat each set N times; the table shows medians (default: 5)
      --sides LIST          which servers to run (default: hushryd,hushryd-no-recovery,node-socketio,ceiling;
                            hushryd has connection state recovery on, its default: every broadcast numbered and kept
                            in a Redis stream; hushryd-no-recovery runs with REALTIME_RECOVERY_WINDOW=0)
      --clients N --rooms M --publishers P --payload B --warmup S --duration S --local-addresses K
                            passed to the load client (defaults: 1000, 10, 4, 100, 3, 10, 1)
  bench/compare.sh jobs [options]     P-JOBS: HushRyd's Redis queue (JobsBench --backends redis) vs BullMQ 6.7 on the
                                      same Redis, no-op jobs, same concurrency, same phases (bench/README.md).
      --concurrency 1,8,32  producers = worker concurrency (default: 1,8,32)
      --seconds S           producing time, and latency-phase time, per run (default: 5)
      --runs N              repeat both N times, alternating which goes first; medians (default: 5)
      --warmup S            an unmeasured run at the highest concurrency first, on both sides (default: 3)
      --ceiling             also run redis-benchmark on the queue's add script with the arguments HushRyd sends
                            (the Redis-side ceiling of enqueueing) at each concurrency
Needs: Java 17 and Maven (builds the bench module), Node.js 20 + npm (installs the peer into bench/peers/*/node_modules
on first use), Redis (jobs also needs the local PostgreSQL: JobsBench creates a scratch database), python3.
Environment: DATABASE_URL, SERVER_JAVA_OPTS (HushRyd server JVM, default -Xmx2g -XX:+UseParallelGC).
EOF
}

MODE="${1:-}"
[ $# -gt 0 ] && shift
case "$MODE" in
  fanout | jobs) ;;
  -h | --help | help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac

REDIS=""
RUNS=5
LAST_CPU=$(($(nproc) - 1))
SERVER_CPUS="$LAST_CPU"
LOAD_CPUS=0
PIN=1
[ "$LAST_CPU" -eq 0 ] && PIN=0
WORK=$(mktemp -d)
REDIS_PID=""
cleanup() {
  cleanup_pids
  [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need java "the HushRyd side"
need mvn "builds the bench module"
need python3 "free ports and the result table"
need curl "readiness checks"

# on_server_cpus / on_load_cpus command...: the command pinned to those CPUs (or unpinned with --no-pin), exec'd so
# that a backgrounded call's $! is the command itself (taskset execs it in turn). They replace the calling shell:
# call them only in a subshell ( ... ) &, $( ... ) or run_bg.
on_server_cpus() {
  if [ "$PIN" = 1 ]; then exec taskset -c "$SERVER_CPUS" "$@"; else exec "$@"; fi
}
on_load_cpus() {
  if [ "$PIN" = 1 ]; then exec taskset -c "$LOAD_CPUS" "$@"; else exec "$@"; fi
}

# Starts a private Redis on the load CPUs unless --redis was given; sets REDIS.
start_redis() {
  if [ -n "$REDIS" ]; then
    return
  fi
  need redis-server "the private Redis of the comparison (or pass --redis URL)"
  local port
  port=$(free_port)
  (on_load_cpus redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --logfile "$WORK/redis.log") &
  REDIS_PID=$!
  REDIS="redis://127.0.0.1:$port"
  for _ in $(seq 1 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "error: the private redis-server did not start" >&2
  exit 2
}

# One line saying where the servers, the client and Redis run (for the header of a comparison).
pin_line() {
  if [ "$PIN" = 1 ]; then
    echo "servers pinned to CPU $SERVER_CPUS, load client and Redis to CPU $LOAD_CPUS"
  else
    echo "no pinning: servers, client and Redis share $(nproc) cores"
  fi
}

# ------------------------------------------------------------------------------------------------------- fan-out
fanout() {
  local rates="1500,200" client_args=() clients=1000 rooms=10 side
  local sides="hushryd,hushryd-no-recovery,node-socketio,ceiling"
  while [ $# -gt 0 ]; do
    case "$1" in
      --redis) REDIS="$2"; shift 2 ;;
      --server-cpus) SERVER_CPUS="$2"; shift 2 ;;
      --load-cpus) LOAD_CPUS="$2"; shift 2 ;;
      --no-pin) PIN=0; shift ;;
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
  start_redis
  need_redis "$REDIS"
  npm_install "$ROOT/bench/peers/socketio"
  build_bench
  local rate run files=()
  echo "# P-FANOUT side by side: $clients clients in $rooms rooms, rates $rates publishes/s, $RUNS run(s) each," \
    "Redis $REDIS, $(pin_line); load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
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
  echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
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
    (on_server_cpus env -i PATH="$PATH" HOME="$HOME" PORT="$port" HOST=127.0.0.1 LOG_LEVEL=warn REDIS_URL="$REDIS" \
      REALTIME_RECOVERY_WINDOW="$window" \
      HUSHRYD_SKIP_BUILD=1 JAVA_OPTS="${SERVER_JAVA_OPTS:--Xmx2g -XX:+UseParallelGC}" \
      "$ROOT/hushryd" serve --fixture fanout >"$log" 2>&1) &
  elif [ "$label" = ceiling ] || [ "$label" = ceiling-direct ]; then
    local write=vertx
    [ "$label" = ceiling-direct ] && write=direct
    # shellcheck disable=SC2086
    (on_server_cpus env PORT="$port" HOST=127.0.0.1 WRITE="$write" java ${SERVER_JAVA_OPTS:--Xmx2g -XX:+UseParallelGC} \
      -Dlogback.configurationFile="$ROOT/bench/logback-bench.xml" \
      -cp "$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")" com.hushryd.bench.CeilingServer \
      >"$log" 2>&1) &
  else
    (on_server_cpus env -i PATH="$PATH" HOME="$HOME" PORT="$port" HOST=127.0.0.1 REDIS_URL="$REDIS" \
      NODE_ENV=production node "$ROOT/bench/peers/socketio/server.js" >"$log" 2>&1) &
  fi
  launcher=$!
  PIDS+=("$launcher")
  wait_http "http://127.0.0.1:$port/stats" "$launcher" "$log"
  pid=$(pgrep -P "$launcher" java || echo "$launcher")
  echo "# $label: pid $pid on port $port, $rate publishes/s" >&2
  local redis_before redis_after
  redis_before=$(redis_cpu_seconds)
  run_bg /dev/null on_load_cpus_java -Xmx4g -XX:+UseParallelGC com.hushryd.bench.BenchMain fanout \
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

# The bench JVM on the load CPUs; only in a subshell (run_bg's), which it replaces, so run_bg can stop it.
on_load_cpus_java() {
  if [ "$PIN" = 1 ]; then
    exec taskset -c "$LOAD_CPUS" bash -c "$(declare -f exec_bench_java); ROOT='$ROOT'; exec_bench_java \"\$@\"" _ "$@"
  else
    exec_bench_java "$@"
  fi
}

# The same for a bench JVM or a Node script on the server CPUs.
on_server_cpus_java() {
  if [ "$PIN" = 1 ]; then
    exec taskset -c "$SERVER_CPUS" bash -c "$(declare -f exec_bench_java); ROOT='$ROOT'; exec_bench_java \"\$@\"" _ "$@"
  else
    exec_bench_java "$@"
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
  local conc="1,8,32" seconds=5 run out="$WORK/jobs.txt" ceiling=0 warmup=3
  while [ $# -gt 0 ]; do
    case "$1" in
      --concurrency) conc="$2"; shift 2 ;;
      --seconds) seconds="$2"; shift 2 ;;
      --runs) RUNS="$2"; shift 2 ;;
      --redis) REDIS="$2"; shift 2 ;;
      --server-cpus) SERVER_CPUS="$2"; shift 2 ;;
      --load-cpus) LOAD_CPUS="$2"; shift 2 ;;
      --no-pin) PIN=0; shift ;;
      --ceiling) ceiling=1; shift ;;
      --warmup) warmup="$2"; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      *) echo "error: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
  done
  start_redis
  need_redis "$REDIS"
  export REDIS_URL="$REDIS"
  npm_install "$ROOT/bench/peers/bullmq"
  build_bench
  echo "# P-JOBS side by side: concurrency $conc, $seconds s per phase, $RUNS run(s), Redis $REDIS," \
    "$(pin_line); load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  for run in $(seq 1 "$RUNS"); do
    # alternate which side goes first
    local sides="hushryd bullmq" side
    [ $((run % 2)) -eq 0 ] && sides="bullmq hushryd"
    for side in $sides; do
      if [ "$side" = hushryd ]; then
        run_bg "$out" on_server_cpus_java -Xms512m -XX:+UseParallelGC com.hushryd.bench.JobsBench \
          --backends redis --concurrency "$conc" --seconds "$seconds" --warmup "$warmup" \
          || echo "# HushRyd run failed" >&2
      else
        run_bg "$out" on_server_cpus node "$ROOT/bench/peers/bullmq/bench.js" --concurrency "$conc" \
          --seconds "$seconds" --warmup "$warmup" || echo "# BullMQ run failed" >&2
      fi
    done
  done
  [ "$ceiling" = 1 ] && jobs_ceiling "$conc" "$out"
  echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  python3 "$ROOT/bench/compare_table.py" jobs "$out"
}

# jobs_ceiling C1,C2 OUT: redis-benchmark runs the queue's add.lua by EVALSHA with the keys and arguments
# RedisJobQueue.add sends for a no-op job (a fresh id per call), C clients at a time, pinned to the server CPUs; the
# Redis-side ceiling of enqueueing, one line per concurrency ("ceiling C adds/s").
jobs_ceiling() {
  need redis-benchmark "the Redis-side ceiling"
  local port="${REDIS##*:}" sha c q="ceiling-bench" n=200000
  port="${port%%/*}"
  sha=$(redis-cli -p "$port" SCRIPT LOAD "$(cat "$ROOT/server/src/main/resources/com/hushryd/jobs/redis/add.lua")")
  for c in ${1//,/ }; do
    local rps
    rps=$(on_server_cpus redis-benchmark -p "$port" -c "$c" -n "$n" -r 1000000000000 --csv \
      EVALSHA "$sha" 6 "c:{$q}:wait" "c:{$q}:delayed" "c:{$q}:seq" "c:{$q}:wake" "c:{$q}:job:__rand_int__" \
      "c:{$q}:key:" "__rand_int__" noop '{}' 2 0 3 2000 300000 0 100 0 86400 | tail -1 | cut -d, -f2 | tr -d '"')
    echo "ceiling $c $rps" | tee -a "$2"
    redis-cli -p "$port" --scan --pattern "c:{$q}:*" | xargs -r -n 1000 redis-cli -p "$port" DEL >/dev/null
  done
}

case "$MODE" in
  fanout) fanout "$@" ;;
  jobs) jobs_compare "$@" ;;
esac
