#!/usr/bin/env bash
# P-SOS: SOS trigger latency on one node, first alone, then while wrk saturates the API with uncached trip searches
# (each a PostgreSQL query on the main pool) from more connections than the pool has. Starts its own node on embedded
# PostgreSQL (or uses BASE_URL), prints one line per phase and the ratio of the p99s.
#   bench/sos.sh [--rate 20] [--duration 20] [--connections 256]
# DB_POOL_MAX, SERVER_JAVA_OPTS and NODE_SETTINGS (more KEY=VALUE settings for the node, space-separated) tune the node.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RATE=20; DURATION=20; CONNECTIONS=256
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) RATE="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
mvn -B -q -Dstyle.color=never -pl bench -am -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2

if [ -z "${BASE_URL:-}" ]; then
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  BASE_URL="http://127.0.0.1:$PORT"
  DATA=$(mktemp -d)
  # quotas far above the load so that the measurement is of saturation, not of the rate limiter
  env -i PATH="$PATH" HOME="$HOME" PORT="$PORT" HOST=127.0.0.1 LOG_LEVEL=warn DATA_DIR="$DATA" BCRYPT_COST=4 \
    HUSHRYD_SKIP_BUILD=1 RATE_LIMIT_AUTHENTICATED=1000000/1m RATE_LIMIT_ANONYMOUS=1000000/1m \
    RATE_LIMIT_CRITICAL=1000000/1m ${DB_POOL_MAX:+DB_POOL_MAX=$DB_POOL_MAX} ${NODE_SETTINGS:-} \
    JAVA_OPTS="${SERVER_JAVA_OPTS:--Xmx1g -XX:+UseParallelGC}" \
    "$ROOT/hushryd" serve >"$DATA/node.log" 2>&1 &
  LAUNCHER=$!
  trap 'kill $LAUNCHER 2>/dev/null; wait $LAUNCHER 2>/dev/null; rm -rf "$DATA"' EXIT
  for _ in $(seq 1 300); do
    curl -fs "$BASE_URL/health/ready" >/dev/null 2>&1 && break
    kill -0 $LAUNCHER 2>/dev/null || { cat "$DATA/node.log" >&2; exit 1; }
    sleep 0.2
  done
fi
echo "# node at $BASE_URL; $(nproc) cores shared by node, PostgreSQL, wrk and the SOS client" >&2

# a searcher with a token, and trips to search through
TOKEN=$(curl -fs -XPOST "$BASE_URL/api/v1/auth/register" -H 'content-type: application/json' \
  -d "{\"phone\":\"+9170$(printf '%08d' $((RANDOM * 32768 + RANDOM)))\",\"name\":\"Searcher\",\"password\":\"bench-pass-1\",\"role\":\"driver\"}" \
  | python3 -c 'import sys,json;print(json.load(sys.stdin)["accessToken"])')
python3 - "$BASE_URL" "$TOKEN" <<'PY'
import json, sys, urllib.request, datetime, concurrent.futures
base, token = sys.argv[1], sys.argv[2]
now = datetime.datetime.now(datetime.timezone.utc)
def create(i):
    body = {"source": {"city": f"City{i % 10}", "lat": 12.9, "lng": 77.5},
            "destination": {"city": f"City{(i * 3 + 1) % 10}", "lat": 13.0, "lng": 77.6},
            "departureTime": (now + datetime.timedelta(minutes=60 + i * 7)).isoformat(), "seats": 4, "pricePerSeat": 100}
    req = urllib.request.Request(base + "/api/v1/trips", data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
    urllib.request.urlopen(req).read()
with concurrent.futures.ThreadPoolExecutor(8) as ex:
    list(ex.map(create, range(1000)))
PY

# CPU seconds of the node (its JVM) and of its embedded PostgreSQL (the server started in the node's data directory and
# its backends), from /proc
cpu_seconds() {
  python3 - "${LAUNCHER:-}" "${DATA:-}" <<'PY'
import os, sys
root, data = sys.argv[1], sys.argv[2]
if not root:
    print("nan nan nan"); sys.exit()
tick = os.sysconf("SC_CLK_TCK")
parent, cpu, postmasters = {}, {}, set()
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        continue
    parent[pid] = fields[1]
    cpu[pid] = (int(fields[11]) + int(fields[12])) / tick
    if data and "postgres" in cmd and data in cmd:
        postmasters.add(pid)  # the embedded server detaches from the node: found by its data directory
def in_postgres(pid):
    while pid:
        if pid in postmasters:
            return True
        pid = parent.get(pid)
    return False
busy = [int(x) for x in open("/proc/stat").readline().split()[1:]]
busy = (sum(busy) - busy[3] - busy[4]) / tick  # all but idle and iowait: every process on the machine
print(f"{cpu.get(root, float('nan')):.2f} {sum(c for p, c in cpu.items() if in_postgres(p)):.2f} {busy:.2f}")
PY
}
cpu_report() {
  python3 - "$1" "$2" "$3" "$4" <<'PY'
import sys
label, before, after, secs = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), float(sys.argv[4])
node, pg, busy = (float(a) - float(b) for a, b in zip(after, before))
print(f"{label:<10} cpu over {secs:.0f} s: node {node:.1f} s ({node / secs:.2f} cores), embedded PostgreSQL "
      f"{pg:.1f} s ({pg / secs:.2f} cores); the machine {busy / secs:.2f} cores busy, "
      f"{(busy - node - pg) / secs:.2f} of them neither (wrk, the SOS client, other work on the machine)")
PY
}

# the node's own view of POST /sos (from its request start to its answer, /metrics histogram): the difference with the
# client's figure is time spent before the node began the request (accept, event loop queue) or in the client
SERVER_HIST=$(mktemp)
server_sos_buckets() {
  curl -fs "$BASE_URL/metrics" | grep '^http_server_requests_seconds_bucket{method="POST",.*route="/api/v1/sos",status="201"' \
    | sed -E 's/.*le="([^"]+)".* ([0-9.e+]+)$/\1 \2/' || true
}
server_side() {
  server_sos_buckets >"$SERVER_HIST.after"
  python3 - "$1" "$SERVER_HIST" "$SERVER_HIST.after" <<'PY'
import sys
def load(p):
    try:
        return {float(a) if a != "+Inf" else float("inf"): float(b) for a, b in (l.split() for l in open(p) if l.strip())}
    except FileNotFoundError:
        return {}
before, after = load(sys.argv[2]), load(sys.argv[3])
d = sorted((le, after[le] - before.get(le, 0)) for le in after)
total = d[-1][1] if d else 0
def pct(q):
    for le, n in d:
        if n >= q * total:
            return le * 1000
    return float("nan")
print(f"{sys.argv[1]:<10} node-side POST /sos answers={total:.0f} p50<={pct(0.5):.2f}ms p99<={pct(0.99):.2f}ms "
      "(histogram bucket bounds)")
PY
  mv "$SERVER_HIST.after" "$SERVER_HIST"
}
sos() {
  server_sos_buckets >"$SERVER_HIST"
  local cpu_before t0
  cpu_before=$(cpu_seconds); t0=$(date +%s.%N)
  java -Xmx512m -XX:+UseParallelGC -Dlogback.configurationFile="$ROOT/bench/logback-bench.xml" \
    -cp "bench/target/classes:$(cat bench/target/classpath.txt)" com.hushryd.bench.BenchMain sos \
    --url "$BASE_URL" --rate "$RATE" --duration "$DURATION" --label "$1" || true
  server_side "$1" >&2
  cpu_report "$1" "$cpu_before" "$(cpu_seconds)" "$(echo "$(date +%s.%N) - $t0" | bc)" >&2
}
ALONE=$(sos alone | tee /dev/stderr)
WRK_OUT=$(mktemp)
WRK_LUA=$(mktemp --suffix .lua)
# every search has its own maxPrice (about a million distinct values), so it misses the cache and queries PostgreSQL
cat >"$WRK_LUA" <<'LUA'
math.randomseed(os.time())
request = function()
  local path = string.format("/api/v1/trips/search?from=City%d&to=City%d&maxPrice=%d.%02d",
    math.random(0, 9), math.random(0, 9), math.random(100, 10000), math.random(0, 99))
  return wrk.format("GET", path)
end
LUA
# long enough for the SOS client's set-up too (its users' contacts are normal requests: a shedding node makes them
# wait for their Retry-After) and its whole measured phase
wrk -t2 -c"$CONNECTIONS" -d"$((DURATION + 45))s" --latency -H "Authorization: Bearer $TOKEN" -s "$WRK_LUA" \
  "$BASE_URL" >"$WRK_OUT" 2>&1 &
WRK=$!
sleep 3
LOADED=$(sos saturated | tee /dev/stderr)
wait $WRK || true
REQS=$(awk '/Requests\/sec/ {print $2}' "$WRK_OUT"); NON2XX=$(awk '/Non-2xx/ {print $5}' "$WRK_OUT")
P99=$(awk '$1=="99%" {print $2}' "$WRK_OUT")
TOTAL=$(awk '/requests in/ {print $1}' "$WRK_OUT")
SERVED=$(python3 -c "print(f'{(${TOTAL:-0} - ${NON2XX:-0}) / $((DURATION + 45)):.0f}')")
SHED=$(curl -fs "$BASE_URL/metrics" | awk '/^hushryd_shed_requests_total\{/ {n += $NF} END {printf "%d", n}')
echo "background     GET /trips/search (uncached) x$CONNECTIONS connections: ${REQS} req/s, p99 ${P99}, non-2xx ${NON2XX:-0} (shed or failed); served ${SERVED}/s; node shed ${SHED:-0} requests in all"
python3 - "$ALONE" "$LOADED" <<'PY'
import re, sys
def p99(line):
    m = re.search(r"p99=([0-9.]+)ms", line)
    return float(m.group(1)) if m else float("nan")
a, b = p99(sys.argv[1]), p99(sys.argv[2])
print(f"ratio          SOS p99 saturated/alone = {b / a:.2f} ({b:.2f} ms vs {a:.2f} ms; goal: p99 < 50 ms while saturated)")
PY
rm -f "$WRK_OUT" "$WRK_LUA" "$SERVER_HIST"
