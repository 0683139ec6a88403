#!/usr/bin/env bash
# City-scale run (issue 14): starts one node, runs `hushryd sim` against it, and samples the node over the run: CPU
# time, heap, RSS, GC pauses, open files, plus the simulator's own CPU and the machine's load average. A benchmark,
# not a test: it prints numbers and asserts nothing. See docs/performance.md, "City scale".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/server/target/hushryd.jar"

usage() {
  cat <<'EOF'
usage: bench/city.sh [options]
  --drivers N            simulated drivers (default 2000)
  --passengers N         simulated passengers (default 8000)
  --duration D           sim duration, ramp included (default 180s)
  --ramp D               users arrive evenly over this (default 120s)
  --runs N               repeat the run N times on a fresh node each; prints every run and the medians (default 1)
  --backend B            embedded (the node's embedded PostgreSQL, in-process state; default) or shared: the
                         machine's PostgreSQL (a scratch database hushryd_city_<pid>, dropped afterwards) and Redis
                         (db index --redis-db; nothing is flushed, the node's keys expire)
  --redis-db N           Redis database index for --backend shared (default 11)
  --port P               node port (default 19350)
  --out DIR              where logs, GC logs and reports go (default /tmp/hushryd-city-<pid>)
  --node-opts "..."      JVM options of the node (default "-Xmx4g")
  --sim-opts "..."       JVM options of the simulator (default "-Xmx2g")
  -h, --help             this text
Extra options after -- go to `hushryd sim` (e.g. -- --location-interval 4s --sos-rate 12).
Builds the node's jar and the simulator first if needed (as ./hushryd sim does: the simulator is in the bench module),
and needs ulimit -n above drivers + passengers + 400 (both processes).
EOF
}

DRIVERS=2000 PASSENGERS=8000 DURATION=180s RAMP=120s RUNS=1 BACKEND=embedded REDIS_DB=11 PORT=19350
OUT="/tmp/hushryd-city-$$" NODE_OPTS="-Xmx4g" SIM_OPTS="-Xmx2g"
SIM_EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --drivers) DRIVERS="$2"; shift 2 ;;
    --passengers) PASSENGERS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --ramp) RAMP="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --backend) BACKEND="$2"; shift 2 ;;
    --redis-db) REDIS_DB="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --node-opts) NODE_OPTS="$2"; shift 2 ;;
    --sim-opts) SIM_OPTS="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; SIM_EXTRA=("$@"); break ;;
    *) echo "bench/city.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$BACKEND" in embedded|shared) ;; *) echo "bench/city.sh: --backend is embedded or shared" >&2; exit 2 ;; esac
# the node's jar and the simulator (bench module, decision 0081), each built by the launcher if needed: now, not
# inside a timed run
"$ROOT/hushryd" --version >/dev/null || { echo "bench/city.sh: building the server jar failed" >&2; exit 2; }
"$ROOT/hushryd" sim --version >/dev/null || { echo "bench/city.sh: building the simulator failed" >&2; exit 2; }
[ -f "$JAR" ] || { echo "bench/city.sh: no $JAR after the build" >&2; exit 2; }
USERS=$((DRIVERS + PASSENGERS))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((USERS + 400)) ]; then
  echo "bench/city.sh: ulimit -n is $(ulimit -n), too low for $USERS sockets per process; raise it: ulimit -n $((USERS + 400))" >&2
  exit 2
fi
mkdir -p "$OUT"

NODE_PID="" SAMPLER_PID="" DB_NAME=""
cleanup() {
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
  if [ -n "$NODE_PID" ] && kill -0 "$NODE_PID" 2>/dev/null; then
    kill "$NODE_PID" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 1; done
    kill -9 "$NODE_PID" 2>/dev/null || true
  fi
  if [ -n "$DB_NAME" ]; then
    psql -h 127.0.0.1 -U postgres -qAtc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  NODE_PID="" SAMPLER_PID="" DB_NAME=""
}
trap cleanup EXIT

TICKS=$(getconf CLK_TCK)
cpu_seconds() { # CPU seconds (user + system) of these processes
  local p total=0
  for p in "$@"; do
    total=$(awk -v t="$TICKS" -v s="$total" '{printf "%.2f", s + ($14+$15)/t}' "/proc/$p/stat" 2>/dev/null || echo "$total")
  done
  echo "$total"
}

# one line every 5 s: epoch, node CPU s, RSS MiB, open files, heap used MiB (jcmd), 1-min load average, CPU s of the
# embedded PostgreSQL (postmaster and backends, 0 on --backend shared), requests waiting for a pooled connection
sample() {
  local pid="$1" data="$2" pg heap pending
  set +e +o pipefail # a sample that times out (a busy node, a slow jcmd) is skipped, not the end of sampling
  while kill -0 "$pid" 2>/dev/null; do
    heap=$(jcmd "$pid" GC.heap_info 2>/dev/null | awk '/garbage-first heap|PSYoungGen|total/ && /used/ {
        for (i=1;i<=NF;i++) if ($i=="used") { v=$(i+1); sub(/K,?/,"",v); s+=v } } END { printf "%d", s/1024 }' || true)
    pg=$(pgrep -f -- "$data/postgres" || true) # the embedded postmaster (pg_ctl detaches it from the node)
    pending=$(curl -s -m 2 "http://127.0.0.1:$PORT/metrics" | awk '/^hikaricp_connections_pending/ && /pool="hushryd-db"/ {print int($2)}' || true)
    # shellcheck disable=SC2046
    echo "$(date +%s) $(cpu_seconds "$pid") $(awk '/VmRSS/{printf "%d", $2/1024}' "/proc/$pid/status") $(ls "/proc/$pid/fd" | wc -l) ${heap:-0} $(cut -d' ' -f1 /proc/loadavg) $(cpu_seconds $pg $(for p in $pg; do pgrep -P "$p"; done)) ${pending:-0}"
    sleep 5
  done
}

one_run() {
  local run="$1" dir="$OUT/run$1" env=()
  mkdir -p "$dir"
  env=(PORT="$PORT" HOST=127.0.0.1 DATA_DIR="$dir/data" BCRYPT_COST=4 LOG_LEVEL=info
    RATE_LIMIT_ANONYMOUS=1000000/1m RATE_LIMIT_AUTHENTICATED=1000000/1m RATE_LIMIT_CRITICAL=1000000/1m
    RATE_LIMIT_SOCKET_EVENTS=1000000/1m)
  if [ "$BACKEND" = shared ]; then
    DB_NAME="hushryd_city_$$_$run"
    psql -h 127.0.0.1 -U postgres -qAtc "CREATE DATABASE $DB_NAME" >/dev/null
    env+=(DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$DB_NAME" REDIS_URL="redis://127.0.0.1:6379/$REDIS_DB")
  fi
  echo "# run $run/$RUNS: starting the node ($BACKEND) on port $PORT; logs in $dir" >&2
  # shellcheck disable=SC2086
  env "${env[@]}" java $NODE_OPTS "-Xlog:gc:file=$dir/node-gc.log:uptime" -jar "$JAR" serve > "$dir/node.log" 2>&1 &
  NODE_PID=$!
  for _ in $(seq 120); do
    curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
    kill -0 "$NODE_PID" 2>/dev/null || { echo "bench/city.sh: the node exited; see $dir/node.log" >&2; tail -5 "$dir/node.log" >&2; exit 1; }
    sleep 1
  done
  sample "$NODE_PID" "$dir/data" > "$dir/samples.txt" &
  SAMPLER_PID=$!
  local load_before sim_rc=0
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "# run $run: sim of $DRIVERS drivers + $PASSENGERS passengers for $DURATION (ramp $RAMP); load average $load_before" >&2
  JAVA_OPTS="$SIM_OPTS -Xlog:gc:file=$dir/sim-gc.log:uptime" HUSHRYD_SKIP_BUILD=1 \
    /usr/bin/time -f "%U %S %M" -o "$dir/sim-time.txt" "$ROOT/hushryd" sim \
    --url "http://127.0.0.1:$PORT" --drivers "$DRIVERS" --passengers "$PASSENGERS" --duration "$DURATION" \
    --ramp "$RAMP" --report-json "$dir/report.json" "${SIM_EXTRA[@]}" > "$dir/sim.out" 2> >(tee "$dir/sim.err" | awk 'NR % 10 == 1 { print; fflush() }' >&2) || sim_rc=$?
  local load_after
  load_after=$(cut -d' ' -f1-3 /proc/loadavg)
  kill "$SAMPLER_PID" 2>/dev/null || true
  SAMPLER_PID=""
  cat "$dir/sim.out"
  summarize "$dir" "$load_before" "$load_after" "$sim_rc" | tee "$dir/summary.txt"
  cleanup
}

# the node's and the simulator's figures of one run (key=value lines, also used for the medians)
summarize() {
  local dir="$1"
  python3 - "$dir" "$2" "$3" "$4" "$USERS" <<'PY'
import json, re, sys
d, before, after, rc, users = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
rows = [l.split() for l in open(d + "/samples.txt") if len(l.split()) == 8]
def gc(path):
    pauses = [float(m.group(1)) for m in re.finditer(r"Pause.*?([\d.]+)ms$", open(path).read(), re.M)]
    pauses.sort()
    return len(pauses), sum(pauses), (pauses[-1] if pauses else 0.0), (pauses[int(len(pauses) * 0.99)] if pauses else 0.0)
try:
    rep = json.load(open(d + "/report.json"))
except Exception:
    rep = {}
ops = {o["name"]: o for o in rep.get("operations", [])}
events = rep.get("events", 0); secs = rep.get("seconds", 0) or 1
cpu = float(rows[-1][1]) - float(rows[0][1]) if len(rows) > 1 else 0
span = int(rows[-1][0]) - int(rows[0][0]) if len(rows) > 1 else 1
sim_user, sim_sys, sim_rss = open(d + "/sim-time.txt").read().split()[-3:]
sim_cpu = float(sim_user) + float(sim_sys)
n, total, worst, p99 = gc(d + "/node-gc.log")
updates = ops.get("location.update", {}).get("count", 0)
out = {
    "sim_exit": rc, "events": events, "errors": sum(o["errors"] for o in ops.values()), "unfinished": sum(o["unfinished"] for o in ops.values()),
    "shed_503": sum(v for o in ops.values() for k, v in o.get("errorKinds", {}).items() if k.startswith("http 503")),
    "fanout_p99_ms": ops.get("location.fanout", {}).get("p99Ms", ""),
    "worst_api_p95_ms": max([o.get("p95Ms", 0) for k, o in ops.items()
                              if k not in ("location.fanout", "chat.delivery", "socket.connect")] or [0]),
    "location_updates_per_s": round(updates / secs, 1),
    "node_cpu_s": round(cpu, 1), "embedded_pg_cpu_s": round(float(rows[-1][6]) - float(rows[0][6]), 1) if len(rows) > 1 else 0,
    "pool_waiting_max": max([int(r[7]) for r in rows] or [0]), "node_cpu_cores": round(cpu / max(1, span), 2),
    "node_cpu_ms_per_user": round(1000 * cpu / users, 1),
    "node_cpu_ms_per_update": round(1000 * cpu / max(1, updates), 2),
    "node_rss_mib_max": max([int(r[2]) for r in rows] or [0]), "node_heap_used_mib_max": max([int(r[4]) for r in rows] or [0]),
    "node_open_files_max": max([int(r[3]) for r in rows] or [0]),
    "node_gc_pauses": n, "node_gc_pause_total_ms": round(total), "node_gc_pause_max_ms": round(worst, 1),
    "sim_cpu_s": round(sim_cpu, 1), "sim_cpu_ms_per_user": round(1000 * sim_cpu / users, 1),
    "sim_rss_mib": int(sim_rss) // 1024,
    "load_before": before, "load_after": after,
    "load_max_1min": max([float(r[5]) for r in rows] or [0]),
}
for k, v in out.items():
    print(f"{k}={v}")
PY
}

for run in $(seq "$RUNS"); do
  one_run "$run"
done
if [ "$RUNS" -gt 1 ]; then
  echo "# medians of $RUNS runs"
  python3 - "$OUT" "$RUNS" <<'PY'
import statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
vals = {}
for r in range(1, runs + 1):
    for line in open(f"{out}/run{r}/summary.txt"):
        k, _, v = line.strip().partition("=")
        vals.setdefault(k, []).append(v)
for k, vs in vals.items():
    try:
        print(f"{k}={statistics.median(float(v) for v in vs)}  ({', '.join(vs)})")
    except ValueError:
        print(f"{k}: {' | '.join(vs)}")
PY
fi
