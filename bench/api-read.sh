#!/usr/bin/env bash
# Read-path throughput of one node: GET /trips/{id} and GET /trips/search (the same key each time, so cached after
# the first request; the cache is L1 in process, plus Redis when REDIS_URL is set).
# Starts its own node on embedded defaults in a temporary DATA_DIR (or uses BASE_URL), seeds trips, then runs
# wrk (Debian package) or, when wrk is missing, autocannon from npm. Prints one line per endpoint.
#   bench/api-read.sh [duration-seconds=20] [connections=64]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${1:-20}"
CONNECTIONS="${2:-64}"
TRIPS="${TRIPS:-2000}"
# the load is one client: without this its quota (500/min by default) would refuse almost everything
export RATE_LIMIT_ENABLED="${RATE_LIMIT_ENABLED:-false}"

if [ -z "${BASE_URL:-}" ]; then
  PORT="${PORT:-18181}"
  BASE_URL="http://127.0.0.1:$PORT"
  DATA="$(mktemp -d)"
  echo "# starting a node on $BASE_URL (DATA_DIR=$DATA)" >&2
  LOG_LEVEL=warn DATA_DIR="$DATA" PORT="$PORT" BCRYPT_COST=4 "$ROOT/hushryd" serve >"$DATA/node.log" 2>&1 &
  NODE_PID=$!
  trap 'kill $NODE_PID 2>/dev/null; wait $NODE_PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
  for _ in $(seq 1 240); do
    curl -fs "$BASE_URL/health/ready" >/dev/null 2>&1 && break
    kill -0 $NODE_PID 2>/dev/null || { cat "$DATA/node.log" >&2; exit 1; }
    sleep 0.5
  done
fi

json() { python3 -c "import sys,json;print(json.load(sys.stdin)$1)"; }
register() {
  curl -fs -XPOST "$BASE_URL/api/v1/auth/register" -H 'content-type: application/json' \
    -d "{\"phone\":\"+91$(( RANDOM % 9 + 1 ))$(printf '%09d' $(( (RANDOM * 32768 + RANDOM) % 1000000000 )))\",\"name\":\"Bench\",\"password\":\"bench-password\",\"role\":\"$1\"}"
}
DRIVER=$(register driver | json '["accessToken"]')
PASSENGER=$(register passenger | json '["accessToken"]')
echo "# seeding $TRIPS trips over 20 city pairs" >&2
python3 - "$BASE_URL" "$DRIVER" "$TRIPS" <<'PY'
import json, sys, urllib.request, datetime, concurrent.futures
base, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
now = datetime.datetime.now(datetime.timezone.utc)
def create(i):
    body = {"source": {"city": f"City{i % 20}", "lat": 12.9, "lng": 77.5},
            "destination": {"city": f"City{(i * 7 + 3) % 20}", "lat": 13.0, "lng": 77.6},
            "departureTime": (now + datetime.timedelta(minutes=60 + i * 7)).isoformat(),
            "seats": 4, "pricePerSeat": 100 + i % 500}
    req = urllib.request.Request(base + "/api/v1/trips", data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(req))["id"]
with concurrent.futures.ThreadPoolExecutor(16) as ex:
    ids = list(ex.map(create, range(n)))
open("/tmp/hushryd-bench-trip", "w").write(ids[len(ids) // 2])
PY
TRIP=$(cat /tmp/hushryd-bench-trip)

run() {
  local name="$1" url="$2"
  if command -v wrk >/dev/null 2>&1; then
    out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: Bearer $PASSENGER" "$url")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
    printf '%-34s %10s req/s   p50 %8s   p99 %8s   non-2xx %s   (wrk, %s conns, %ss)\n' "$name" "$rps" "$p50" "$p99" "${non2xx:-0}" "$CONNECTIONS" "$DURATION"
  else
    out=$(npx --yes autocannon@9.0.0 -j -c "$CONNECTIONS" -d "$DURATION" -H "Authorization=Bearer $PASSENGER" "$url" 2>/dev/null)
    echo "$out" | python3 -c "
import sys,json; r=json.load(sys.stdin)
print('%-34s %10.0f req/s   p50 %6sms   p99 %6sms   non-2xx %s   (autocannon, %s conns, %ss)' % ('$name', r['requests']['average'], r['latency']['p50'], r['latency']['p99'], r['non2xx'], $CONNECTIONS, $DURATION))"
  fi
}
echo "# $(nproc) cores; server and load generator share them" >&2
run "GET /api/v1/trips/{id}" "$BASE_URL/api/v1/trips/$TRIP"
run "GET /api/v1/trips/search (from,to)" "$BASE_URL/api/v1/trips/search?from=City3&to=City4&limit=20"
