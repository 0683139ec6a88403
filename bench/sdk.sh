#!/usr/bin/env bash
# The client SDK (docs/sdk.md) against one node: offline enqueue (fsync'd journal) latency and rate, draining the
# journal to the node in order, and the node's cost of an Idempotency-Key on trip creation. Starts its own node on
# embedded PostgreSQL (or uses BASE_URL).
#   bench/sdk.sh [--actions 500] [--creates 400]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source "$ROOT/bench/lib.sh"
ACTIONS=500; CREATES=400
while [ $# -gt 0 ]; do
  case "$1" in
    --actions) ACTIONS="$2"; shift 2 ;;
    --creates) CREATES="$2"; shift 2 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
build_bench

if [ -z "${BASE_URL:-}" ]; then
  PORT=${PORT:-$(free_port)}
  BASE_URL="http://127.0.0.1:$PORT"
  DATA=$(mktemp -d)
  env -i PATH="$PATH" HOME="$HOME" PORT="$PORT" HOST=127.0.0.1 LOG_LEVEL=warn DATA_DIR="$DATA" BCRYPT_COST=4 \
    HUSHRYD_SKIP_BUILD=1 RATE_LIMIT_AUTHENTICATED=1000000/1m RATE_LIMIT_ANONYMOUS=1000000/1m \
    JAVA_OPTS="${SERVER_JAVA_OPTS:--Xmx512m}" "$ROOT/hushryd" serve >"$DATA/node.log" 2>&1 &
  LAUNCHER=$!
  trap 'kill $LAUNCHER 2>/dev/null; wait $LAUNCHER 2>/dev/null; rm -rf "$DATA"' EXIT
  for _ in $(seq 1 300); do
    curl -fs "$BASE_URL/health/ready" >/dev/null 2>&1 && break
    kill -0 $LAUNCHER 2>/dev/null || { cat "$DATA/node.log" >&2; exit 1; }
    sleep 0.2
  done
fi
echo "# node at $BASE_URL; load: $(uptime | sed 's/.*load average/load average/')" >&2
(exec_bench_java com.hushryd.bench.SdkBench "$BASE_URL" "$ACTIONS" "$CREATES")
