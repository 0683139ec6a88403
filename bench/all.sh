#!/usr/bin/env bash
# Every scripted scenario behind docs/performance.md, in sequence, with the arguments the document gives, each one's
# output teed into bench/results/<UTC date>/<scenario>.txt. Takes long (about an hour with --runs 1).
#   bench/all.sh [--only a,b] [--skip a,b] [--runs N] [--list]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

# name | command (run from the repository root) | what it produces in docs/performance.md
# The fan-out tables' top rows (1,036 and 713 publishes/s measured) do not record the rate asked for; 1000 is used.
SCENARIOS=(
  "api-read|bench/api-read.sh 15 64|API reads, uncached (CORE)"
  "api-protect|bench/api-protect.sh 10 64|API reads cached, with and without rate limiting (P-API)"
  "ratelimit|bench/ratelimit.sh --concurrency 1,8 --seconds 5|One Redis rate-limit decision (P-API)"
  "jobs|bench/jobs.sh --concurrency 1,8,32 --seconds 5|Job queues, no-op jobs (P-JOBS)"
  "realtime-fanout|for r in 200 300 500 700 1000; do bench/realtime.sh fanout --clients 1000 --rooms 10 --rate \$r --warmup 3 --duration 10; done|Realtime fan-out, in-process broker (P-FANOUT)"
  "realtime-fanout-redis|for r in 300 500 700 1000; do bench/realtime.sh fanout --redis \${REDIS_URL:-redis://127.0.0.1:6379} --clients 1000 --rooms 10 --rate \$r --warmup 3 --duration 10; done|Realtime fan-out, Redis broker (P-FANOUT)"
  "realtime-connections|REALTIME_PING_INTERVAL=10s bench/realtime.sh connections --connections 18000 --hold 25|Idle connections (P-CONN)"
  "location|for r in 8000 12000; do bench/location.sh --trips 200 --rate \$r --warmup 15 --duration 20; done|Live location updates through one node on Redis (P-LOC)"
  "sos|bench/sos.sh; DB_POOL_MAX=6 bench/sos.sh|SOS while the API is saturated (P-SOS)"
  "uploads|bench/uploads.sh --rounds 5|Document uploads (P-UPLOAD)"
  "compare-fanout|bench/compare.sh fanout --runs 5 --rates 200 --sides hushryd,node-socketio,ceiling --warmup 3 --duration 8|Peer comparison: fan-out vs Node Socket.IO and the ceiling, pinned (P-FANOUT, issue 16)"
  "compare-jobs|bench/compare.sh jobs --concurrency 1,8,32 --seconds 3 --runs 5 --ceiling|Peer comparison: jobs vs BullMQ and the Redis-side ceiling, pinned (P-JOBS, issue 16)"
  "jmh|bench/jmh.sh|Micro-benchmarks (JMH)"
)

usage() {
  cat <<'EOF'
Usage: bench/all.sh [--only a,b] [--skip a,b] [--runs N] [--list]
  --list        the scenarios, their exact commands and the section of docs/performance.md they fill
  --only a,b    run only these scenarios (names from --list)
  --skip a,b    run all but these
  --runs N      run each scenario N times in a row (docs/performance.md gives medians of 3 where it says so;
                compare-* already repeat 5 times inside) (default: 1)
Each scenario's output goes to the terminal and to bench/results/<UTC date>/<name>[.runK].txt (gitignored); a
scenario that fails is reported and the next one runs; the exit status says whether any failed.
Needs what each script needs (bench/README.md): Java 17, Maven, wrk, Node.js 20 + npm, python3, the local PostgreSQL,
Redis and RabbitMQ, redis-benchmark/redis-cli. Run on an otherwise idle machine.
EOF
}

ONLY="" SKIP="" RUNS=1 LIST=false
while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY="$2"; shift 2 ;;
    --skip) SKIP="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --list) LIST=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "error: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

names=()
for s in "${SCENARIOS[@]}"; do names+=("${s%%|*}"); done
for n in ${ONLY//,/ } ${SKIP//,/ }; do
  [[ " ${names[*]} " == *" $n "* ]] || { echo "error: no scenario named $n (see --list)" >&2; exit 2; }
done

if $LIST; then
  for s in "${SCENARIOS[@]}"; do
    IFS='|' read -r name cmd what <<<"$s"
    printf '%-22s %s\n%-22s   %s\n' "$name" "$what" "" "$cmd"
  done
  exit 0
fi

OUT="$ROOT/bench/results/$(date -u +%Y-%m-%d)"
mkdir -p "$OUT"
GROUP=""
# a scenario runs in its own process group, so that stopping it reaches the servers and clients its script started
stop_group() {
  if [ -n "$GROUP" ] && kill -0 -- "-$GROUP" 2>/dev/null; then
    kill -TERM -- "-$GROUP" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$GROUP" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$GROUP" 2>/dev/null || true
  fi
}
trap 'stop_group' EXIT
trap 'exit 130' INT TERM
failed=()
cd "$ROOT"
for s in "${SCENARIOS[@]}"; do
  IFS='|' read -r name cmd what <<<"$s"
  if [ -n "$ONLY" ] && [[ ",$ONLY," != *",$name,"* ]]; then continue; fi
  if [[ ",$SKIP," == *",$name,"* ]]; then continue; fi
  for run in $(seq 1 "$RUNS"); do
    suffix=""
    [ "$RUNS" -gt 1 ] && suffix=".run$run"
    file="$OUT/$name$suffix.txt"
    {
      echo "# $name ($what), run $run of $RUNS, $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
      echo "# \$ $cmd"
    } | tee "$file"
    setsid bash -c "set -euo pipefail; $cmd" > >(tee -a "$file") 2> >(tee -a "$file" >&2) &
    GROUP=$!
    if ! wait "$GROUP"; then
      echo "# $name run $run FAILED (see $file)" | tee -a "$file"
      failed+=("$name")
    fi
    GROUP=""
  done
done
echo "# results in ${OUT#"$ROOT"/}${failed[*]:+; failed: ${failed[*]}}"
[ ${#failed[@]} -eq 0 ]
