#!/usr/bin/env bash
# Issue 13's outage acceptance: starts a PostgreSQL and a Redis of its own and a node on them, drives live tracking,
# SOS triggers and API requests, stops one dependency for --down seconds under that load and starts it again
# (com.hushryd.bench.BenchMain outage). Prints a per-second timeline, what succeeded while it was down, when service
# was back, and whether every SOS answered 201 is in PostgreSQL.
#   bench/outage.sh redis|postgres [--down 30] [--before 10] [--after 20] [--trips 20] [--rate 100] [--sos-rate 1] [--api-rate 20]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. "$ROOT/bench/lib.sh"
case "${1:-}" in
  redis|postgres) DEP="$1"; shift ;;
  -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
  *) echo "usage: bench/outage.sh redis|postgres [options] (see --help)" >&2; exit 2 ;;
esac
build_bench
echo "# machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run" >&2
(exec_bench_java -Xmx1g -XX:+UseParallelGC com.hushryd.bench.BenchMain outage --dependency "$DEP" \
  --jar "$ROOT/server/target/hushryd.jar" "$@")
