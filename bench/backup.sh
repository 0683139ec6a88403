#!/usr/bin/env bash
# BACKUP: how long `hushryd admin backup` and `admin restore` take for a node with 100,000 trips (the RTO's restore
# part). Builds the server jar, starts `hushryd serve` on embedded defaults in a temporary DATA_DIR, fills its
# database with SQL (USERS users, TRIPS trips, one booking per trip, POINTS route points, CHAT chat messages, SOS
# alerts), backs it up while the node runs, stops the node, restores into a fresh DATA_DIR, starts a node there and
# compares row counts. Prints timings, sizes and the load average; removes everything it created.
#   bench/backup.sh [--trips 100000] [--users 10000] [--points 300000] [--chat 100000] [--sos 1000]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TRIPS=100000 USERS=10000 POINTS=300000 CHAT=100000 SOS=1000
while [ $# -gt 0 ]; do
  case "$1" in
    --trips) TRIPS="$2"; shift 2 ;;
    --users) USERS="$2"; shift 2 ;;
    --points) POINTS="$2"; shift 2 ;;
    --chat) CHAT="$2"; shift 2 ;;
    --sos) SOS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v psql >/dev/null || { echo "error: psql is needed to fill the database (apt-get install postgresql-client)" >&2; exit 2; }
(cd "$ROOT" && mvn -B -q -Dstyle.color=never -pl server -am -DskipTests package 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2)
WORK=$(mktemp -d)
SRC="$WORK/source" DST="$WORK/restored" BACKUP="$WORK/backup"
LAUNCHER=""
stop_node() {
  if [ -n "$LAUNCHER" ]; then kill "$LAUNCHER" 2>/dev/null || true; wait "$LAUNCHER" 2>/dev/null || true; LAUNCHER=""; fi
}
trap 'stop_node; rm -rf "$WORK"' EXIT
start_node() { # start_node DATA_DIR
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  env -i PATH="$PATH" HOME="$HOME" PORT="$port" HOST=127.0.0.1 DATA_DIR="$1" LOG_LEVEL=warn HUSHRYD_SKIP_BUILD=1 \
    JAVA_OPTS="-Xmx512m" "$ROOT/hushryd" serve >"$1.log" 2>&1 &
  LAUNCHER=$!
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$LAUNCHER" 2>/dev/null || { cat "$1.log" >&2; exit 1; }
    sleep 0.2
  done
  echo "node on $1 not ready" >&2; exit 1
}
pg() { # pg DATA_DIR SQL: runs SQL on the embedded database of DATA_DIR
  psql -X -q -t -A -h 127.0.0.1 -p "$(sed -n 4p "$1/postgres/postmaster.pid")" -U postgres hushryd -c "$2"
}
now() { date +%s.%N; }

start_node "$SRC"
t0=$(now)
pg "$SRC" "
INSERT INTO users (id, phone, name, password_hash, role)
  SELECT md5('u' || i)::uuid, '+91' || (9000000000 + i), 'User ' || i, 'x', CASE WHEN i % 5 = 0 THEN 'driver' ELSE 'passenger' END
  FROM generate_series(1, $USERS) i;
INSERT INTO trips (id, driver_id, source_city, source_city_key, source_lat, source_lng, destination_city,
    destination_city_key, destination_lat, destination_lng, departure_time, seats_total, seats_available, price_per_seat)
  SELECT md5('t' || i)::uuid, md5('u' || (5 * (1 + i % ($USERS / 5))))::uuid, 'Pune', 'pune', 18.52, 73.85, 'Mumbai',
    'mumbai', 19.07, 72.87, now() + (i % 30) * interval '1 day', 4, 3, 350
  FROM generate_series(1, $TRIPS) i;
INSERT INTO bookings (id, trip_id, passenger_id, seats, status)
  SELECT md5('b' || i)::uuid, md5('t' || i)::uuid, md5('u' || (1 + 5 * (i % ($USERS / 5))))::uuid, 1, 'confirmed'
  FROM generate_series(1, $TRIPS) i;
INSERT INTO trip_locations (trip_id, driver_id, recorded_at, lat, lng, speed, heading)
  SELECT md5('t' || (1 + i % $TRIPS))::uuid, md5('u' || 5)::uuid, now() - i * interval '1 second', 18.5, 73.8, 40, 90
  FROM generate_series(1, $POINTS) i;
INSERT INTO chat_messages (id, conversation_id, sender_id, body)
  SELECT md5('c' || i)::uuid, md5('b' || (1 + i % $TRIPS))::uuid, md5('u' || (1 + 5 * ((1 + i % $TRIPS) % ($USERS / 5))))::uuid, 'message ' || i
  FROM generate_series(1, $CHAT) i;
INSERT INTO sos_alerts (id, user_id, status, lat, lng, created_at, escalation, escalate_at)
  SELECT md5('s' || i)::uuid, md5('u' || (1 + 5 * i))::uuid, 'resolved', 18.5, 73.8, now() - i * interval '1 hour', 'cancelled', now()
  FROM generate_series(1, $SOS) i;"
printf '# filled: %s users, %s trips, %s bookings, %s route points, %s chat messages, %s SOS alerts in %.1f s\n' \
  "$USERS" "$TRIPS" "$TRIPS" "$POINTS" "$CHAT" "$SOS" "$(echo "$(now) - $t0" | bc)"
echo "# database size: $(pg "$SRC" "SELECT pg_size_pretty(pg_database_size('hushryd'))")"
echo "# load average before backup: $(cut -d' ' -f1-3 /proc/loadavg)"

t0=$(now)
env -i PATH="$PATH" HOME="$HOME" LOG_LEVEL=warn HUSHRYD_SKIP_BUILD=1 "$ROOT/hushryd" admin backup --to "$BACKUP" \
  --data-dir "$SRC" >"$WORK/backup.out"
backup_s=$(echo "$(now) - $t0" | bc)
tail -n 3 "$WORK/backup.out"
echo "# load average after backup: $(cut -d' ' -f1-3 /proc/loadavg)"
counts_src=$(pg "$SRC" "SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM trips) || ' ' || (SELECT count(*) FROM bookings) || ' ' || (SELECT count(*) FROM sos_alerts) || ' ' || (SELECT count(*) FROM trip_locations) || ' ' || (SELECT count(*) FROM chat_messages)")
stop_node

t0=$(now)
env -i PATH="$PATH" HOME="$HOME" LOG_LEVEL=warn HUSHRYD_SKIP_BUILD=1 "$ROOT/hushryd" admin restore --from "$BACKUP" \
  --data-dir "$DST" >"$WORK/restore.out"
restore_s=$(echo "$(now) - $t0" | bc)
tail -n 2 "$WORK/restore.out"
echo "# load average after restore: $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(now)
start_node "$DST"
ready_s=$(echo "$(now) - $t0" | bc)
counts_dst=$(pg "$DST" "SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM trips) || ' ' || (SELECT count(*) FROM bookings) || ' ' || (SELECT count(*) FROM sos_alerts) || ' ' || (SELECT count(*) FROM trip_locations) || ' ' || (SELECT count(*) FROM chat_messages)")
stop_node

echo "backup size: $(du -sh "$BACKUP" | cut -f1)"
printf 'backup (node running): %.1f s\nrestore into a fresh DATA_DIR: %.1f s\nnode ready on the restored DATA_DIR: %.1f s\n' \
  "$backup_s" "$restore_s" "$ready_s"
echo "rows (users trips bookings sos route-points chat): source $counts_src, restored $counts_dst"
[ "$counts_src" = "$counts_dst" ] || { echo "MISMATCH" >&2; exit 1; }
