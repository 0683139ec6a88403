#!/usr/bin/env bash
# Issue 21: read replicas and compression (com.hushryd.bench.BenchMain replicas). Starts a PostgreSQL, a streaming
# replica of it (base backup with pg_backup_start/stop, a physical slot) and a Redis of its own; seeds trips; runs
# uncached trip searches against one node with every read on the primary, then with DATABASE_READ_URLS naming the
# replica: req/s, p50/p99, CPU per 1,000 searches of the primary's, the replica's and the node's processes (from
# /proc). Then bytes on the wire of a search page with and without gzip, gzip's cost by body size, and
# location:update frames with and without permessage-deflate. Medians of --runs.
#   bench/replicas.sh [--trips 3000] [--connections 32] [--duration 15] [--warmup 5] [--runs 3]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. "$ROOT/bench/lib.sh"
case "${1:-}" in
  -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
esac
build_bench
echo "# machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run" >&2
(exec_bench_java -Xmx1g -XX:+UseParallelGC com.hushryd.bench.BenchMain replicas \
  --jar "$ROOT/server/target/hushryd.jar" "$@")
