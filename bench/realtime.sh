#!/usr/bin/env bash
# P-FANOUT and P-CONN for HushRyd's gateway. Starts `hushryd serve --fixture fanout` (no database) on a free port,
# with the in-process broker or, with --redis URL, the Redis broker; runs the load client from the bench module;
# prints one line per run. The same client runs against a peer server in the benchmark-harness comparison.
#   bench/realtime.sh fanout [--redis redis://127.0.0.1:6379] [client options: --clients N --rooms M --rate R ...]
#   bench/realtime.sh connections [--redis URL] [--connections N --hold S]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MODE="${1:?usage: bench/realtime.sh fanout|connections [--redis URL] [options]}"
shift
REDIS=""
if [ "${1:-}" = "--redis" ]; then REDIS="$2"; shift 2; fi

mvn -B -q -Dstyle.color=never -pl bench -am -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LOG=$(mktemp)
env -i PATH="$PATH" HOME="$HOME" PORT="$PORT" HOST=127.0.0.1 LOG_LEVEL=warn ${REDIS:+REDIS_URL=$REDIS} \
  ${REALTIME_PING_INTERVAL:+REALTIME_PING_INTERVAL=$REALTIME_PING_INTERVAL} \
  ${REALTIME_PER_MESSAGE_DEFLATE:+REALTIME_PER_MESSAGE_DEFLATE=$REALTIME_PER_MESSAGE_DEFLATE} \
  HUSHRYD_SKIP_BUILD=1 JAVA_OPTS="${SERVER_JAVA_OPTS:--Xmx2g -XX:+UseParallelGC}" \
  "$ROOT/hushryd" serve --fixture fanout >"$LOG" 2>&1 &
LAUNCHER=$!
trap 'kill $LAUNCHER 2>/dev/null; wait $LAUNCHER 2>/dev/null; rm -f "$LOG"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/stats" >/dev/null 2>&1 && break
  kill -0 $LAUNCHER 2>/dev/null || { cat "$LOG" >&2; exit 1; }
  sleep 0.2
done
SERVER_PID=$(pgrep -P $LAUNCHER java || echo $LAUNCHER)
echo "# server pid $SERVER_PID on port $PORT, broker: ${REDIS:-in-process}, $(nproc) cores shared with the client" >&2
java -Xmx4g -XX:+UseParallelGC -Dlogback.configurationFile="$ROOT/bench/logback-bench.xml" \
  -cp "bench/target/classes:$(cat bench/target/classpath.txt)" com.hushryd.bench.BenchMain "$MODE" \
  --url "http://127.0.0.1:$PORT" --server-pid "$SERVER_PID" "$@"
