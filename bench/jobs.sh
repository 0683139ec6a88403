#!/usr/bin/env bash
# P-JOBS: no-op job throughput and end-to-end latency of each queue backend at several concurrencies.
# Builds the server and bench modules (no tests), then runs com.hushryd.bench.JobsBench against the engines named
# by DATABASE_URL / REDIS_URL / RABBITMQ_URL (defaults: the local PostgreSQL, Redis and RabbitMQ services; a scratch
# database, key prefix and queue names are created and removed). An unreachable engine's rows say "skipped".
#   bench/jobs.sh [--backends postgres,redis,rabbitmq] [--concurrency 1,8,32] [--seconds 5]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mvn -B -q -Dstyle.color=never -pl bench -am -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2
exec java -Xms512m -XX:+UseParallelGC -Dlogback.configurationFile="$ROOT/bench/logback-bench.xml" \
  -cp "bench/target/classes:$(cat bench/target/classpath.txt)" com.hushryd.bench.JobsBench "$@"
