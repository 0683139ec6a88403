#!/usr/bin/env bash
# P-UPLOAD: N concurrent upload-URL requests and N concurrent uploads into the local object store.
# Builds the server and bench modules (no tests), starts `hushryd serve` on embedded defaults in a temporary DATA_DIR
# on a free port (heap capped by SERVER_JAVA_OPTS, default -Xmx512m, so buffering uploads in memory would fail), runs
# com.hushryd.bench.UploadsCommand against it, stops it and removes the DATA_DIR.
#   bench/uploads.sh [--concurrency 7000] [--rounds 3] [--size 204800]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mvn -B -q -Dstyle.color=never -pl bench -am -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DATA=$(mktemp -d)
LOG="$DATA.log"
SECRET="bench-upload-secret-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# the bench registers one driver per connection first: a cheap hash and a wide anonymous quota keep that set-up short
env -i PATH="$PATH" HOME="$HOME" PORT="$PORT" HOST=127.0.0.1 DATA_DIR="$DATA" JWT_SECRET="$SECRET" LOG_LEVEL=warn \
  BCRYPT_COST=4 RATE_LIMIT_ANONYMOUS=1000000/1m \
  HUSHRYD_SKIP_BUILD=1 JAVA_OPTS="${SERVER_JAVA_OPTS:--Xmx512m -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError}" \
  "$ROOT/hushryd" serve >"$LOG" 2>&1 &
LAUNCHER=$!
trap 'kill $LAUNCHER 2>/dev/null; wait $LAUNCHER 2>/dev/null || true; rm -rf "$DATA" "$LOG"' EXIT
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
  kill -0 $LAUNCHER 2>/dev/null || { cat "$LOG" >&2; exit 1; }
  sleep 0.2
done
SERVER_PID=$(pgrep -P $LAUNCHER java || echo $LAUNCHER)
echo "# server pid $SERVER_PID on port $PORT, DATA_DIR $DATA, JAVA_OPTS ${SERVER_JAVA_OPTS:--Xmx512m -XX:+UseParallelGC}" >&2
java -Xmx3g -XX:+UseParallelGC -Dlogback.configurationFile="$ROOT/bench/logback-bench.xml" \
  -cp "bench/target/classes:$(cat bench/target/classpath.txt)" com.hushryd.bench.BenchMain uploads \
  --url "http://127.0.0.1:$PORT" --server-pid "$SERVER_PID" "$@"
if grep -q -E "WARN|ERROR|OutOfMemory" "$LOG"; then
  echo "# server log warnings and errors (most frequent first):" >&2
  grep -E "WARN|ERROR|OutOfMemory" "$LOG" | sed -E 's/^[^ ]+ +//; s/\[[^]]*\] //' | sort | uniq -c | sort -rn | head -10 >&2
fi
