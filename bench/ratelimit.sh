#!/usr/bin/env bash
# P-API, the rate-limit half: latency of one Redis rate-limit decision (RedisRateLimiter, one EVALSHA of gcra.lua)
# from Java, then redis-benchmark sending the same EVALSHA (same script, same arguments, random keys) side by side, so
# the client's share of the latency is visible. Uses REDIS_URL (default: the local Redis; scratch keys, removed).
#   bench/ratelimit.sh [--concurrency 1,8] [--seconds 5] [--keys 10000]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CONCURRENCY=1,8; SECONDS_=5; KEYS=10000
ARGS=("$@")
while [ $# -gt 1 ]; do
  case "$1" in
    --concurrency) CONCURRENCY="$2" ;; --seconds) SECONDS_="$2" ;; --keys) KEYS="$2" ;;
  esac
  shift 2
done
mvn -B -q -Dstyle.color=never -pl bench -am -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2
java -Xms256m -XX:+UseParallelGC -Dlogback.configurationFile="$ROOT/bench/logback-bench.xml" \
  -cp "bench/target/classes:$(cat bench/target/classpath.txt)" com.hushryd.bench.RateLimitBench "${ARGS[@]}"

URL="${REDIS_URL:-redis://127.0.0.1:6379}"
HOSTPORT="${URL#redis://}"; HOSTPORT="${HOSTPORT%%/*}"
HOST="${HOSTPORT%%:*}"; PORT="${HOSTPORT##*:}"
SHA=$(redis-cli -h "$HOST" -p "$PORT" SCRIPT LOAD "$(cat server/src/main/resources/com/hushryd/protect/ratelimit/gcra.lua)")
PREFIX="bench-rl-cli-$$"
for C in ${CONCURRENCY//,/ }; do
  # window 60 s, interval 1 us (a quota nothing exhausts), penalties as RATE_LIMIT_PENALTY=1m; all in microseconds
  redis-benchmark -h "$HOST" -p "$PORT" -c "$C" -n $(( 20000 * C > 200000 ? 200000 : 20000 * C )) -r "$KEYS" \
    --csv --precision 3 EVALSHA "$SHA" 1 "$PREFIX:rl:{authenticated:u:__rand_int__}" 60000000 1 60000000 900000000 3600000000 2 \
    | tail -1 | tr -d '"' | awk -F, -v c="$C" '{printf "redis-benchmark same EVALSHA C=%-3s %9.0f decisions/s   p50 %6.3f ms   p99 %6.3f ms   max %6.3f ms\n", c, $2, $5, $7, $8}'
done
redis-cli -h "$HOST" -p "$PORT" --scan --pattern "$PREFIX:*" | xargs -r -n 500 redis-cli -h "$HOST" -p "$PORT" DEL >/dev/null
