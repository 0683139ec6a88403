#!/usr/bin/env bash
# JMH micro-benchmarks of the hot paths (bench/src/main/java/com/hushryd/bench/jmh): packet encode/decode, room
# broadcast (@Param broker memory|redis), rate-limit decision (@Param backend memory|redis), cache get (@Param levels
# l1|l1+l2). Builds the bench module and runs JMH; prints JMH's table.
#   bench/jmh.sh [regex] [jmh options]      e.g. bench/jmh.sh Broadcast -p members=1000 -i 5
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  cat <<'EOF'
Usage: bench/jmh.sh [regex] [jmh options]
  regex         benchmarks to run (default: all of com.hushryd.bench.jmh)
  jmh options   passed to JMH (java -jar ... -h lists them). Defaults, each unless given: -f 1 -wi 2 -w 1s -i 3 -r 2s
                (one fork, 2 warm-up and 3 measured iterations: about 4 minutes for everything; use -f 3 -i 5 -r 5s
                for steadier figures). -p name=v1,v2 narrows a @Param.
Redis-backed params (broker=redis, backend=redis, levels=l1+l2) use REDIS_URL (default redis://127.0.0.1:6379);
without a Redis answering there they are skipped (said on the first line), the others run.
Scores are time per operation (lower is better), Error is JMH's 99.9 % confidence half-width.
EOF
  exit 0
fi

need java "runs the benchmarks"
need mvn "builds the bench module"
REGEX="com.hushryd.bench.jmh"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  REGEX="$1"
  shift
fi
ARGS=("$@")
has() { local a; for a in "${ARGS[@]-}"; do [ "$a" = "$1" ] && return 0; done; return 1; }
has -f || ARGS+=(-f 1)
has -wi || ARGS+=(-wi 2)
has -w || ARGS+=(-w 1s)
has -i || ARGS+=(-i 3)
has -r || ARGS+=(-r 2s)

REDIS="${REDIS_URL:-redis://127.0.0.1:6379}"
if ! (need_redis "$REDIS") 2>/dev/null; then
  echo "# skipped: the Redis-backed params (no Redis answering at $REDIS); running the others" >&2
  ARGS+=(-p broker=memory -p backend=memory -p levels=l1)
fi

build_bench
WORK=$(mktemp -d)
trap 'cleanup_pids; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
echo "# JMH on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); options: ${ARGS[*]}" >&2
REDIS_URL="$REDIS" run_bg "$WORK/jmh.txt" exec_bench_java -Xmx1g -Dlogback.configurationFile="$ROOT/bench/logback-jmh.xml" org.openjdk.jmh.Main "$REGEX" "${ARGS[@]}"
