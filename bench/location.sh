#!/usr/bin/env bash
# P-LOC: starts a node on embedded PostgreSQL with the Redis backend, sets up active trips over the API, and drives
# location updates through it while passengers listen (com.hushryd.bench.BenchMain location). Then measures the raw
# ceiling of the same Redis for the same command mix with redis-benchmark (the update script and the broker's
# PUBLISH in one script, same payload sizes) and prints the ratio.
#   [BENCH_SKIP_BUILD=1] [SERVER_JAVA_OPTS=...] bench/location.sh [--redis redis://127.0.0.1:6379] [--trips 200 --rate 5000 --duration 15 ...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REDIS="redis://127.0.0.1:6379"
if [ "${1:-}" = "--redis" ]; then REDIS="$2"; shift 2; fi
RHOST=$(echo "$REDIS" | sed -E 's#redis://([^:/]+).*#\1#'); RPORT=$(echo "$REDIS" | sed -E 's#redis://[^:]+:([0-9]+).*#\1#')
command -v redis-benchmark >/dev/null || { echo "redis-benchmark is needed (apt-get install redis-tools)" >&2; exit 1; }

# BENCH_SKIP_BUILD=1: run what is built (repeated runs of the same code, e.g. interleaved before/after series)
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  mvn -B -q -Dstyle.color=never -pl bench -am -DskipTests package dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DATA=$(mktemp -d)
env -i PATH="$PATH" HOME="$HOME" PORT="$PORT" HOST=127.0.0.1 LOG_LEVEL=warn REDIS_URL="$REDIS" DATA_DIR="$DATA" \
  BCRYPT_COST=4 DB_POOL_MAX=20 HUSHRYD_SKIP_BUILD=1 RATE_LIMIT_ANONYMOUS=1000000/1m RATE_LIMIT_AUTHENTICATED=1000000/1m RATE_LIMIT_SOCKET_EVENTS=1000000/1s \
  RATE_LIMIT_CRITICAL=1000000/1m JAVA_OPTS="${SERVER_JAVA_OPTS:--Xmx2g -XX:+UseParallelGC}" \
  "$ROOT/hushryd" serve >"$DATA/node.log" 2>&1 &
LAUNCHER=$!
trap 'kill $LAUNCHER 2>/dev/null; wait $LAUNCHER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
  kill -0 $LAUNCHER 2>/dev/null || { cat "$DATA/node.log" >&2; exit 1; }
  sleep 0.2
done
SERVER_PID=$(pgrep -P $LAUNCHER java || echo $LAUNCHER)
echo "# node pid $SERVER_PID on port $PORT with $REDIS; $(nproc) cores shared by node, Redis, PostgreSQL and client" >&2
java -Xmx3g -XX:+UseParallelGC -Dlogback.configurationFile="$ROOT/bench/logback-bench.xml" \
  -cp "bench/target/classes:$(cat bench/target/classpath.txt)" com.hushryd.bench.BenchMain location \
  --url "http://127.0.0.1:$PORT" --server-pid "$SERVER_PID" --redis "$REDIS" "$@" | tee "$DATA/result.txt"

# the raw ceiling of this Redis for one update's commands: the node's store script, which compare-and-sets the latest
# location and PUBLISHes the broker's message for the other nodes in the same step (the geo refresh, at most once per
# driver every 5 s, is left out: it favours the ceiling)
SCRIPT="local cur = redis.call('HGET', KEYS[1], 'ts') if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end redis.call('HSET', KEYS[1], 'ts', ARGV[1], 'v', ARGV[2]) redis.call('PEXPIRE', KEYS[1], ARGV[3]) if ARGV[4] then redis.call('PUBLISH', ARGV[4], ARGV[5]) end return 1"
SHA=$(redis-cli -h "$RHOST" -p "$RPORT" SCRIPT LOAD "$SCRIPT")
JSON='{"tripId":"01a2006c-3143-7b0f-9f06-7f029dc1ffa3","driverId":"01a2006c-3143-7b0f-9f06-7f029dc1ffa4","lat":12.9716,"lng":77.5946,"speed":40.0,"heading":90.0,"accuracy":null,"timestamp":"2026-11-21T23:30:00.123Z"}'
ENVELOPE=$(printf 'x%.0s' $(seq 1 260))
bench_rps() { redis-benchmark -h "$RHOST" -p "$RPORT" -n 200000 -c 50 -P 16 -r 10000000 -q "$@" 2>/dev/null \
  | tr '\r' '\n' | grep -Eo '[0-9.]+ requests per second' | tail -1 | cut -d' ' -f1; }
# 200,000 calls over 10 million keys: almost every call is a first write that stores and publishes
EVAL_RPS=$(bench_rps EVALSHA "$SHA" 1 "bench:loc:{trip:__rand_int__}" "$(date +%s%3N)" "$JSON" 300000 \
  "bench:rt:{trip:__rand_int__}" "$ENVELOPE")
redis-cli -h "$RHOST" -p "$RPORT" --scan --pattern 'bench:loc:*' | xargs -r -n 500 redis-cli -h "$RHOST" -p "$RPORT" DEL >/dev/null
python3 - "$EVAL_RPS" "$DATA/result.txt" <<'PY'
import re, sys
ceiling, path = float(sys.argv[1]), sys.argv[2]
m = re.search(r"acked-updates/s=([0-9.]+)", open(path).read())
got = float(m.group(1)) if m else 0
print(f"redis-ceiling  EVALSHA(store + PUBLISH script)={ceiling:.0f} updates/s (redis-benchmark -c 50 -P 16); "
      f"HushRyd reached {got:.0f}/s = {got / ceiling:.3f} of the raw ceiling")
PY
