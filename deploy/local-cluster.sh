#!/usr/bin/env bash
# deploy/local-cluster.sh: N HushRyd nodes on one PostgreSQL and one Redis, behind nginx, all on loopback (demos,
# tests, chaos runs). Installs nothing; says what is missing.
#
#   deploy/local-cluster.sh up --nodes N [--port P]   nginx on 127.0.0.1:P (default 8080), nodes on P+1..P+N
#   deploy/local-cluster.sh status                    JSON: nginx, each node (pid, port, alive, ready), PostgreSQL, Redis
#   deploy/local-cluster.sh stop-node K               SIGTERM to node K, which drains while nginx leaves it
#   deploy/local-cluster.sh start-node K              starts node K again (after stop-node or a kill)
#   deploy/local-cluster.sh down                      stops everything up started and removes its state
#   deploy/local-cluster.sh render [--port P] --node HOST:PORT... [--down K]   prints deploy/nginx/hushryd.conf for
#                                                     these nodes (routes n1, n2, ...: start each with NODE_ROUTE)
#
# DATABASE_URL / REDIS_URL, when set, are used as they are (never stopped, never flushed). Unset, the script starts a
# PostgreSQL (Debian's binaries: initdb, pg_ctl) on P+N+1 and a Redis (redis-server) on P+N+2 of its own, with their
# data in the state directory, and removes them on down. Every other node setting in the environment (RATE_LIMIT_*,
# BCRYPT_COST, JWT_SECRET, ...) is passed to the nodes. State, logs and data: $LOCAL_CLUSTER_DIR, default
# .local-cluster/ in the repository. READY_TIMEOUT (seconds, default 180) bounds the wait for each node. NGINX names
# the nginx binary (default: the PATH, then /usr/sbin/nginx).
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${LOCAL_CLUSTER_DIR:-$ROOT/.local-cluster}"
TEMPLATE="$ROOT/deploy/nginx/hushryd.conf"
READY_TIMEOUT="${READY_TIMEOUT:-180}"

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; }
fail() { echo "local-cluster: $*" >&2; exit 2; }
say() { echo "local-cluster: $*" >&2; }

# --- processes: only those whose pid file we wrote, and only while the pid still runs the program we started ---
pid_of() { head -n1 "$STATE/$1.pid" 2>/dev/null || true; }
runs() { # runs NAME PATTERN: the pid in NAME.pid is alive and its command line contains PATTERN
  local pid; pid="$(pid_of "$1")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2"
}
lives() { # lives NAME: the pid in NAME.pid exists and has not exited (a zombie has). Unlike runs, true from the
  # moment of the fork: the started subshell carries this script's command line until it execs the node.
  local pid; pid="$(pid_of "$1")"
  [ -n "$pid" ] && [ -r "/proc/$pid/status" ] && ! grep -q '^State:[[:space:]]*[ZX]' "/proc/$pid/status" 2>/dev/null
}
stop_pid() { # stop_pid NAME PATTERN: SIGTERM, up to 60 s, then SIGKILL
  local pid; pid="$(pid_of "$1")"
  if runs "$1" "$2"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 600); do runs "$1" "$2" || break; sleep 0.1; done
    if runs "$1" "$2"; then say "$1 ($pid) ignored SIGTERM for 60 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
    # exited: gone once its parent (init, for these detached processes) has reaped it
    for _ in $(seq 1 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
  fi
  rm -f "$STATE/$1.pid"
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ready() { curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$1/health/ready" 2>/dev/null; }

find_nginx() { # NGINX names the binary; else the PATH, else Debian's /usr/sbin/nginx
  if [ -n "${NGINX:-}" ]; then [ -x "$NGINX" ] && echo "$NGINX"; return 0; fi
  command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true
}
find_pg_bin() { # the directory of initdb and pg_ctl
  local d
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; return; fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
}
# PostgreSQL refuses to run as root: as root its programs run as the postgres user
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# --- up ---
render_nginx() { # render_nginx PORT DOWN ADDRESS...: the template for these nodes (routes n1, n2, ...) on PORT;
  # DOWN lists node numbers to take out of rotation (" 2 3 "): no new work, their sessions keep theirs
  local port="$1" down="$2" i n block; shift 2
  n=$#
  block="# --- nodes: begin (rendered by deploy/local-cluster.sh for $n nodes) ---"$'\n'"upstream hushryd {"$'\n'
  block+="    zone hushryd 256k;   # failure counts shared by nginx's workers (a drain probe reaches them all)"$'\n'
  i=0; for a in "$@"; do i=$((i + 1))
    case "$down" in
      *" $i "*) block+="    server $a down;   # out of rotation (render --down)"$'\n' ;;
      *) block+="    server $a max_fails=3 fail_timeout=10s;"$'\n' ;;
    esac
  done
  block+="    keepalive 64;"$'\n'"    keepalive_timeout 3s;"$'\n'"}"$'\n'
  i=0; for a in "$@"; do i=$((i + 1))
    block+="upstream hushryd_n$i { server $a; keepalive 16; keepalive_timeout 3s; }"$'\n'
  done
  block+="map \$arg_sid \$hushryd_upstream {"$'\n'"    default   hushryd;"$'\n'
  for i in $(seq 1 "$n"); do block+="    ~^n$i\\.    hushryd_n$i;"$'\n'; done
  block+="}"$'\n'"# --- nodes: end ---"
  BLOCK="$block" PORT="$port" awk '
    /^# --- nodes: begin/ { print ENVIRON["BLOCK"]; skip = 1; next }
    /^# --- nodes: end ---/ { skip = 0; next }
    skip { next }
    /^    listen 127\.0\.0\.1:[0-9]+;/ { sub(/127\.0\.0\.1:[0-9]+/, "127.0.0.1:" ENVIRON["PORT"]) }
    { print }' "$TEMPLATE"
}

cmd_render() { # the configuration for nodes anywhere: render --port P --node HOST:PORT [--node ...] [--down K]
  local port=8080 nodes=() down=" "
  while [ $# -gt 0 ]; do
    case "$1" in
      --port) [ $# -ge 2 ] || fail "--port needs a value"; port="$2"; shift 2 ;;
      --down) [ $# -ge 2 ] && [[ "$2" =~ ^[0-9]+$ ]] || fail "--down needs a node number"; down+="$2 "; shift 2 ;;
      --node) [ $# -ge 2 ] || fail "--node needs HOST:PORT"; nodes+=("$2"); shift 2 ;;
      *) fail "unknown option for render: '$1' (see --help)" ;;
    esac
  done
  [ ${#nodes[@]} -ge 1 ] || fail "render needs at least one --node HOST:PORT"
  [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || fail "--port: expected a port, got '$port'"
  for a in "${nodes[@]}"; do
    [[ "$a" =~ ^[^[:space:]]+:[0-9]+$ ]] || fail "--node: expected HOST:PORT, got '$a'"
  done
  render_nginx "$port" "$down" "${nodes[@]}"
}

write_nginx_main() {
  mkdir -p "$STATE/nginx/logs" "$STATE/nginx/temp"
  cat >"$STATE/nginx/nginx.conf" <<EOF
# written by deploy/local-cluster.sh: an nginx of its own (prefix $STATE/nginx), not the system's
pid $STATE/nginx.pid;
error_log $STATE/nginx/logs/error.log warn;
worker_processes 1;
# a reload's old workers close the WebSockets and long-polls they still proxy after this (clients reconnect);
# without it they would linger as long as any socket stays open
worker_shutdown_timeout 10s;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $STATE/nginx/temp/body;
    proxy_temp_path $STATE/nginx/temp/proxy;
    fastcgi_temp_path $STATE/nginx/temp/fastcgi;
    uwsgi_temp_path $STATE/nginx/temp/uwsgi;
    scgi_temp_path $STATE/nginx/temp/scgi;
    include $STATE/nginx/hushryd.conf;
}
EOF
}

write_nginx_conf() { # this cluster's rendering of deploy/nginx/hushryd.conf, checked by nginx
  local NODES PORT i addresses=()
  . "$STATE/cluster.env"
  for i in $(seq 1 "$NODES"); do addresses+=("127.0.0.1:$((PORT + i))"); done
  render_nginx "$PORT" " " "${addresses[@]}" >"$STATE/nginx/hushryd.conf"
  # -e: nginx's own error log from the first moment, never the system's
  "$1" -q -e "$STATE/nginx/logs/error.log" -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -t
}

start_node() { # start_node K: env of node K from its file, ./hushryd serve in the background
  local k="$1"
  { wc -c <"$STATE/node$k.log" || echo 0; } 2>/dev/null >"$STATE/node$k.logstart"
  (set -a; . "$STATE/node$k.env"; set +a
   exec nohup "$ROOT/hushryd" serve >>"$STATE/node$k.log" 2>&1 </dev/null) &
  echo $! >"$STATE/node$k.pid"
}

log_tail() { # log_tail K: the last 30 lines node K wrote since its latest start (its log is appended to)
  local from; from="$(cat "$STATE/node$1.logstart" 2>/dev/null || echo 0)"
  tail -c +"$((${from:-0} + 1))" "$STATE/node$1.log" 2>/dev/null | tail -n 30
}

wait_ready() { # wait_ready K PORT: progress every 5 s, the log's tail if the node dies or never gets ready
  local k="$1" port="$2" t0=$SECONDS
  until ready "$port"; do
    if ! lives "node$k"; then
      say "node$k exited before it was ready; the end of $STATE/node$k.log:"; log_tail "$k" >&2
      return 1
    fi
    if [ $((SECONDS - t0)) -ge "$READY_TIMEOUT" ]; then
      say "node$k not ready after ${READY_TIMEOUT}s; the end of $STATE/node$k.log:"; log_tail "$k" >&2
      return 1
    fi
    [ $(((SECONDS - t0) % 5)) -eq 0 ] && say "waiting for node$k on port $port ($((SECONDS - t0))s)"
    sleep 1
  done
  say "node$k ready on 127.0.0.1:$port ($((SECONDS - t0))s)"
}

cmd_up() {
  local nodes="" port=8080
  while [ $# -gt 0 ]; do
    case "$1" in
      --nodes) [ $# -ge 2 ] || fail "--nodes needs a value"; nodes="$2"; shift 2 ;;
      --port) [ $# -ge 2 ] || fail "--port needs a value"; port="$2"; shift 2 ;;
      -h|--help) usage; exit 0 ;;
      *) fail "unknown option for up: '$1' (see --help)" ;;
    esac
  done
  [ -n "$nodes" ] || fail "up needs --nodes N (1-20)"
  [[ "$nodes" =~ ^[0-9]+$ ]] && [ "$nodes" -ge 1 ] && [ "$nodes" -le 20 ] \
    || fail "--nodes: expected a whole number from 1 to 20, got '$nodes'"
  [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1024 ] && [ "$port" -le $((65535 - nodes - 2)) ] \
    || fail "--port: expected a port from 1024 to $((65535 - nodes - 2)), got '$port'"
  if [ -f "$STATE/cluster.env" ]; then
    fail "a cluster is already up (state in $STATE): run '$0 down' first"
  fi

  local missing=() nginx pgbin=""
  command -v java >/dev/null 2>&1 || missing+=("java not found: apt-get install -y openjdk-17-jdk-headless")
  command -v curl >/dev/null 2>&1 || missing+=("curl not found: apt-get install -y curl")
  nginx="$(find_nginx)"; [ -n "$nginx" ] || missing+=("nginx not found${NGINX:+ at $NGINX}: apt-get install -y nginx")
  if [ -z "${DATABASE_URL:-}" ]; then
    pgbin="$(find_pg_bin)"
    [ -n "$pgbin" ] || missing+=("PostgreSQL server programs (initdb, pg_ctl) not found: apt-get install -y postgresql (or set DATABASE_URL)")
    [ -z "$pgbin" ] || [ "$(id -u)" != 0 ] || id postgres >/dev/null 2>&1 \
      || missing+=("running as root, PostgreSQL needs a 'postgres' user to run as: apt-get install -y postgresql (or set DATABASE_URL)")
  fi
  if [ -z "${REDIS_URL:-}" ]; then
    command -v redis-server >/dev/null 2>&1 || missing+=("redis-server not found: apt-get install -y redis-server (or set REDIS_URL)")
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    printf 'local-cluster: %s\n' "${missing[@]}" >&2
    exit 2
  fi
  local pgport=$((port + nodes + 1)) redisport=$((port + nodes + 2)) p
  local ports=("$port"); for i in $(seq 1 "$nodes"); do ports+=($((port + i))); done
  [ -n "${DATABASE_URL:-}" ] || ports+=("$pgport")
  [ -n "${REDIS_URL:-}" ] || ports+=("$redisport")
  for p in "${ports[@]}"; do
    port_busy "$p" && fail "port $p is in use on 127.0.0.1 (this cluster needs ${ports[*]}): pick another --port"
  done

  rm -rf "$STATE"   # the logs of an earlier start that failed
  mkdir -p "$STATE"
  printf 'NODES=%s\nPORT=%s\n' "$nodes" "$port" >"$STATE/cluster.env"
  trap 'say "start-up failed: stopped what was started; logs kept in $STATE"; stop_all; rm -f "$STATE/cluster.env"' ERR
  if [ ! -f "$ROOT/server/target/hushryd.jar" ]; then
    say "building the server jar (first run)..."
  fi
  "$ROOT/hushryd" --version >/dev/null   # builds the jar once, before N launchers would race for it

  local database="${DATABASE_URL:-}" redis="${REDIS_URL:-}"
  if [ -z "$database" ]; then
    say "starting PostgreSQL ($pgbin) on 127.0.0.1:$pgport"
    mkdir -p "$STATE/postgres"
    [ "$(id -u)" != 0 ] || chown postgres "$STATE/postgres"
    as_pg "$pgbin/initdb" -D "$STATE/postgres/data" -U postgres --auth=trust -E UTF8 >"$STATE/postgres/initdb.log" 2>&1 \
      || { tail -n 20 "$STATE/postgres/initdb.log" >&2; false; }
    as_pg "$pgbin/pg_ctl" -D "$STATE/postgres/data" -l "$STATE/postgres/postgres.log" -w -t 60 start \
      -o "-p $pgport -c listen_addresses=127.0.0.1 -k $STATE/postgres -c max_connections=$((nodes * 40 + 20))" >/dev/null \
      || { tail -n 20 "$STATE/postgres/postgres.log" >&2; false; }
    head -n1 "$STATE/postgres/data/postmaster.pid" >"$STATE/postgres.pid"
    database="postgresql://postgres@127.0.0.1:$pgport/postgres"
  fi
  if [ -z "$redis" ]; then
    say "starting Redis on 127.0.0.1:$redisport"
    redis-server --bind 127.0.0.1 --port "$redisport" --save "" --appendonly no --dir "$STATE" \
      --daemonize yes --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log" >/dev/null
    for _ in $(seq 1 50); do [ -s "$STATE/redis.pid" ] && port_busy "$redisport" && break; sleep 0.1; done
    redis="redis://127.0.0.1:$redisport"
  fi

  for i in $(seq 1 "$nodes"); do
    # quoted for `set -a; . file`: values may hold spaces (JAVA_OPTS)
    {
      printf 'PORT=%q\nHOST=127.0.0.1\nNODE_ID=node%s\nNODE_ROUTE=n%s\n' "$((port + i))" "$i" "$i"
      printf 'DATA_DIR=%q\nDATABASE_URL=%q\nREDIS_URL=%q\n' "$STATE/node$i" "$database" "$redis"
      printf 'TRUSTED_PROXIES=%q\nJAVA_OPTS=%q\n' "${TRUSTED_PROXIES:-127.0.0.1/32}" \
        "${JAVA_OPTS:--Xmx1g -XX:+ExitOnOutOfMemoryError}"
    } >"$STATE/node$i.env"
    # one at a time: N JVMs starting at once on a small machine time out on their own connections
    start_node "$i"
    say "node$i started (pid $(pid_of "node$i"), port $((port + i)), log $STATE/node$i.log)"
    wait_ready "$i" $((port + i))
  done

  write_nginx_main
  write_nginx_conf "$nginx"
  "$nginx" -e "$STATE/nginx/logs/error.log" -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf"
  for _ in $(seq 1 50); do ready "$port" && break; sleep 0.1; done
  ready "$port" || { say "nginx on 127.0.0.1:$port does not answer; see $STATE/nginx/logs/error.log"; false; }
  trap - ERR
  say "up: http://127.0.0.1:$port (nginx) in front of $nodes nodes; '$0 status' for details, '$0 down' to stop"
}

# --- status ---
json_process() { # json_process NAME PATTERN PORT
  local alive=false ready=false pid; pid="$(pid_of "$1")"
  runs "$1" "$2" && alive=true
  if [ "$alive" = true ] && { [ "$1" = postgres ] || [ "$1" = redis ]; }; then ready=true
  elif [ "$alive" = true ] && ready "$3"; then ready=true; fi
  printf '{"name":"%s","pid":%s,"port":%s,"alive":%s,"ready":%s}' "$1" "${pid:-null}" "$3" "$alive" "$ready"
}

cmd_status() {
  if [ ! -f "$STATE/cluster.env" ]; then
    echo '{"up":false,"nodes":[]}'
    return 1
  fi
  local NODES PORT i sep=""
  . "$STATE/cluster.env"
  printf '{"up":true,"url":"http://127.0.0.1:%s","nginx":%s,"nodes":[' "$PORT" "$(json_process nginx nginx "$PORT")"
  for i in $(seq 1 "$NODES"); do
    printf '%s%s' "$sep" "$(json_process "node$i" hushryd $((PORT + i)) | sed "s/^{/{\"route\":\"n$i\",/")"
    sep=","
  done
  printf ']'
  [ ! -f "$STATE/postgres.pid" ] || printf ',"postgres":%s' "$(json_process postgres postgres $((PORT + NODES + 1)))"
  [ ! -f "$STATE/redis.pid" ] || printf ',"redis":%s' "$(json_process redis redis-server $((PORT + NODES + 2)))"
  printf '}\n'
}

cmd_start_node() {
  [ -f "$STATE/cluster.env" ] || fail "no cluster is up"
  local k="${1:-}" NODES PORT
  . "$STATE/cluster.env"
  [[ "$k" =~ ^[0-9]+$ ]] && [ "$k" -ge 1 ] && [ "$k" -le "$NODES" ] || fail "start-node: expected a node number from 1 to $NODES, got '$k'"
  runs "node$k" hushryd && fail "node$k is running (pid $(pid_of "node$k"))"
  start_node "$k"
  say "node$k started (pid $(pid_of "node$k"))"
  wait_ready "$k" $((PORT + k))
}

# Rolling restarts: open source nginx has no active health checks. After SIGTERM the node answers /health/ready 503
# for SHUTDOWN_READY_GRACE while it keeps serving; GETs on nginx's drain probe reach it and count those 503s as
# failures, so nginx stops sending it requests before it stops accepting (deploy/nginx/hushryd.conf, decision 0047).
cmd_stop_node() {
  [ -f "$STATE/cluster.env" ] || fail "no cluster is up"
  local k="${1:-}" NODES PORT pid
  . "$STATE/cluster.env"
  [[ "$k" =~ ^[0-9]+$ ]] && [ "$k" -ge 1 ] && [ "$k" -le "$NODES" ] || fail "stop-node: expected a node number from 1 to $NODES, got '$k'"
  runs "node$k" hushryd || fail "node$k is not running"
  pid="$(pid_of "node$k")"
  kill -TERM "$pid"
  until curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((PORT + k))/health/ready" | grep -qv '^200$'; do
    runs "node$k" hushryd || break
    sleep 0.05
  done
  drain_probe "$NODES"
  say "node$k (pid $pid) got SIGTERM and left nginx's rotation; it drains"
  while runs "node$k" hushryd; do sleep 0.2; done
  say "node$k stopped (its log ends: $(tail -n 1 "$STATE/node$k.log" | cut -c1-160))"
}

drain_probe() { # drain_probe NODES: enough probes for every node to be tried max_fails (3) times
  local NODES PORT i
  . "$STATE/cluster.env"
  for i in $(seq 1 $((4 * $1 + 4))); do
    curl -s -m 2 -o /dev/null "http://127.0.0.1:$PORT/.hushryd/drain-probe" || true
  done
}

# --- down ---
stop_all() { # nginx first (no new requests), then the nodes (each drains), then what they ran on
  local NODES=0 PORT=0 i
  [ ! -f "$STATE/cluster.env" ] || . "$STATE/cluster.env"
  stop_pid nginx nginx
  for i in $(seq 1 "$NODES"); do stop_pid "node$i" hushryd; done
  if runs postgres postgres; then
    as_pg "$(find_pg_bin)/pg_ctl" -D "$STATE/postgres/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  stop_pid postgres postgres
  stop_pid redis redis-server
}

cmd_down() {
  [ -d "$STATE" ] || { say "nothing is up ($STATE does not exist)"; return 0; }
  stop_all
  rm -rf "$STATE"
  say "down: stopped nginx, the nodes and what up started; removed $STATE"
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  status) shift; [ $# -eq 0 ] || fail "status takes no options"; cmd_status ;;
  start-node) shift; cmd_start_node "$@" ;;
  stop-node) shift; cmd_stop_node "$@" ;;
  render) shift; cmd_render "$@" ;;
  down) shift; [ $# -eq 0 ] || fail "down takes no options"; cmd_down ;;
  -h|--help|help) usage ;;
  "") usage >&2; exit 2 ;;
  *) fail "unknown command '$1' (up, status, stop-node, start-node, down, render; see --help)" ;;
esac
