# Shared by the bench scripts that start servers and peers (sourced, not run). Callers set ROOT and `set -euo pipefail`.

# Builds the server and bench modules without tests and writes the bench classpath to bench/target/classpath.txt.
# BENCH_SKIP_BUILD=1 reuses the last build (e.g. between the runs of a series).
build_bench() {
  if [ -n "${BENCH_SKIP_BUILD:-}" ] && [ -f "$ROOT/bench/target/classpath.txt" ]; then
    return
  fi
  (cd "$ROOT" && mvn -B -q -Dstyle.color=never -pl bench -am -DskipTests package dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2)
}

# Replaces the (sub)shell with a JVM running a class of the bench module: exec_bench_java [jvm options] class [args].
# Only inside a subshell or run_bg.
exec_bench_java() {
  exec java -Dlogback.configurationFile="$ROOT/bench/logback-bench.xml" \
    -cp "$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")" "$@"
}

# Processes started by the script; cleanup_pids (from the caller's EXIT trap) stops every one still running.
PIDS=()
cleanup_pids() {
  local pid
  for pid in "${PIDS[@]}"; do
    stop_pid "$pid"
  done
}

# run_bg OUT command...: runs the command in the background (so the EXIT trap can stop it), its stdout also appended
# to OUT, and waits for it; returns its exit status.
run_bg() {
  local out="$1" pid rc=0
  shift
  "$@" > >(tee -a "$out") &
  pid=$!
  PIDS+=("$pid")
  wait "$pid" || rc=$?
  return $rc
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

need() { # need command "why"
  command -v "$1" >/dev/null 2>&1 || { echo "error: $1 is not installed ($2)" >&2; exit 2; }
}

# Fails unless a Redis answers PING at the URL (redis://host:port only; loopback by the callers' contract).
need_redis() {
  local hostport="${1#redis://}"
  hostport="${hostport%%/*}"
  hostport="${hostport##*@}"
  local host="${hostport%%:*}" port="${hostport##*:}"
  [ "$port" = "$hostport" ] && port=6379
  if ! python3 - "$host" "$port" <<'EOF'
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
    s.sendall(b"PING\r\n")
    sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
except OSError:
    sys.exit(1)
EOF
  then
    echo "error: no Redis answering at $1 (set REDIS_URL or start redis-server)" >&2
    exit 2
  fi
}

# Installs a peer's npm packages into its own node_modules (from package-lock.json when present).
npm_install() {
  need node "Node.js 20 runs the peer"
  need npm "installs the peer's packages"
  local dir="$1"
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    echo "# npm ci in ${dir#"$ROOT"/}" >&2
    # npm 11 refuses `ci` for lock files that lack other platforms' optional packages (msgpackr-extract under
    # bullmq); `install --no-save` then installs the same locked versions without rewriting the lock
    (cd "$dir" && { npm ci --no-audit --no-fund --loglevel=error 2>/dev/null \
      || npm install --no-save --no-audit --no-fund --loglevel=error; } >&2) && touch "$dir/node_modules"
  fi
}

# wait_http URL PID LOG: waits up to 30 s for URL to answer 2xx; prints LOG and fails if PID exits first.
wait_http() {
  for _ in $(seq 1 150); do
    curl -fs "$1" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { cat "$3" >&2; echo "error: server exited during start-up" >&2; return 1; }
    sleep 0.2
  done
  cat "$3" >&2
  echo "error: $1 did not answer within 30 s" >&2
  return 1
}

# stop PID: TERM, then KILL after 10 s; waits for it.
stop_pid() {
  local pid="$1"
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.2
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
