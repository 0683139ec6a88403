#!/usr/bin/env bash
# Issue 14's chaos suite: starts a cluster of its own on loopback (an embedded PostgreSQL and Redis, N node processes,
# nginx in front), runs the simulator (`hushryd sim --reconnect --sos-open --ack-log`) through nginx, injects one
# fault, and judges the run from PostgreSQL and Redis: every acknowledged trip, booking, SOS and chat message stored
# exactly once, no trip overbooked, every SOS notified and escalated when due, no job stuck. Prints a table; exits 1
# when a check failed, 2 on bad options or a missing tool (nginx: apt-get install -y nginx).
# The fault comes at --fault-at s at the earliest, once every user is in; the simulator is stopped --after s after it.
#   bench/chaos.sh kill-node|rolling-restart|redis-outage|db-outage [--nodes 3] [--drivers 40] [--passengers 160]
#     [--ramp 15] [--fault-at 30] [--after 30] [--down 30] [--restart-pause 5] [--sos-rate 30]
#     [--escalate-after 10s] [--settle 90] [--base-port P] [--work DIR] [--keep]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. "$ROOT/bench/lib.sh"
case "${1:-}" in
  kill-node|rolling-restart|redis-outage|db-outage) SCENARIO="$1"; shift ;;
  -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
  *) echo "usage: bench/chaos.sh kill-node|rolling-restart|redis-outage|db-outage [options] (see --help)" >&2; exit 2 ;;
esac
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null \
  || { echo "error: nginx is not installed; install it with: apt-get install -y nginx" >&2; exit 2; }
build_bench
echo "# machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run" >&2
(exec_bench_java -Xmx512m com.hushryd.bench.BenchMain chaos --scenario "$SCENARIO" \
  --root "$ROOT" --jar "$ROOT/server/target/hushryd.jar" "$@")
