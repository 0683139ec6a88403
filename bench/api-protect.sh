#!/usr/bin/env bash
# P-API: cached trip search (and trip read) on one node with Redis, with and without rate limiting, back to back.
# Runs bench/api-read.sh twice on fresh nodes: RATE_LIMIT_ENABLED=true (every request takes one Redis decision; the
# quotas are set so high that none is refused) and RATE_LIMIT_ENABLED=false. REDIS_URL defaults to the local Redis.
#   bench/api-protect.sh [duration-seconds=10] [connections=64]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export RATE_LIMIT_AUTHENTICATED=1000000000/1m RATE_LIMIT_ANONYMOUS=1000000000/1m RATE_LIMIT_PREMIUM=1000000000/1m
echo "## rate limiting on (decisions in Redis $REDIS_URL)"
RATE_LIMIT_ENABLED=true "$ROOT/bench/api-read.sh" "${1:-10}" "${2:-64}"
echo "## rate limiting off"
RATE_LIMIT_ENABLED=false "$ROOT/bench/api-read.sh" "${1:-10}" "${2:-64}"
