package com.hushryd.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a chaos run is judged by, read from PostgreSQL and Redis only: every create the simulator saw acknowledged
 * (its {@code --ack-log}) is in the database exactly once, no trip holds more booked seats than it offers, every
 * acknowledged SOS had its notifications sent and, when due, its escalation, no job is left stuck or dead, and the
 * latest location Redis holds for a trip is not older than the trip's route history.
 */
final class ChaosVerdict {
    /** One check: what was expected, what is wrong (0 to pass). */
    record Check(String name, long expected, long wrong, String detail) {
        boolean passed() {
            return wrong == 0;
        }
    }

    /** The acknowledged creates of one kind, as {@code [id, detail]} pairs. */
    private final Map<String, List<String[]>> acked = new LinkedHashMap<>();

    ChaosVerdict(Path ackLog) throws IOException {
        for (String kind : List.of("trip", "booking", "sos", "chat")) {
            acked.put(kind, new ArrayList<>());
        }
        for (String line : Files.readAllLines(ackLog)) {
            String[] f = line.split("\t", -1);
            if (f.length == 3 && acked.containsKey(f[0])) {
                acked.get(f[0]).add(new String[] {f[1], f[2]});
            }
        }
    }

    long acknowledged(String kind) {
        return acked.get(kind).size();
    }

    List<Check> evaluate(String jdbcUrl, int redisPort) throws SQLException {
        List<Check> checks = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", null)) {
            checks.add(exactlyOnce(c, "trip", "SELECT count(*) FROM trips WHERE id = ?::uuid", false));
            checks.add(exactlyOnce(c, "booking", "SELECT count(*) FROM bookings WHERE id = ?::uuid "
                    + "AND trip_id = ?::uuid AND status = 'confirmed'", true));
            checks.add(exactlyOnce(c, "sos", "SELECT count(*) FROM sos_alerts WHERE id = ?::uuid "
                    + "AND idempotency_key = ?", true));
            checks.add(exactlyOnce(c, "chat", "SELECT count(*) FROM chat_messages WHERE conversation_id = ?::uuid "
                    + "AND client_message_id = ?", true));
            checks.add(count(c, "trips overbooked (seats booked > offered, or seats_available off)", "trips",
                    "SELECT count(*) FROM trips t LEFT JOIN (SELECT trip_id, sum(seats) AS booked FROM bookings "
                            + "WHERE status = 'confirmed' GROUP BY trip_id) b ON b.trip_id = t.id "
                            + "WHERE coalesce(b.booked, 0) > t.seats_total "
                            + "OR t.seats_available <> t.seats_total - coalesce(b.booked, 0)"));
            String[] alerts = acked.get("sos").stream().map(a -> a[0]).toArray(String[]::new);
            checks.add(count(c, "acknowledged SOS not notified (an alert notification not sent)", alerts.length,
                    "SELECT count(DISTINCT a.id) FROM sos_alerts a LEFT JOIN sos_notifications n ON n.alert_id = a.id "
                            + "AND n.purpose = 'alert' WHERE a.id = ANY (?::uuid[]) "
                            + "AND (n.id IS NULL OR n.status <> 'sent')", alerts));
            Check escalation = count(c, "SOS escalation due but not run (or its notifications not sent)",
                    alerts.length, "SELECT count(DISTINCT a.id) FROM sos_alerts a LEFT JOIN sos_notifications n "
                            + "ON n.alert_id = a.id AND n.purpose = 'escalation' WHERE a.id = ANY (?::uuid[]) "
                            + "AND a.status = 'active' AND a.escalate_at < now() "
                            + "AND (a.escalation <> 'escalated' OR n.status <> 'sent')", alerts);
            Check escalated = count(c, "", alerts.length, "SELECT count(*) FROM sos_alerts WHERE id = ANY (?::uuid[]) "
                    + "AND escalation = 'escalated'", alerts);
            checks.add(new Check(escalation.name(), escalation.expected(), escalation.wrong(), escalation.detail()
                    + " (" + escalated.wrong() + " escalated)"));
            checks.add(count(c, "jobs stuck (due > 30 s ago, or leased and the lease long expired)", "jobs",
                    "SELECT count(*) FROM jobs WHERE (state = 'waiting' AND run_at < now() - interval '30 seconds') "
                            + "OR (state = 'active' AND locked_until < now() - interval '30 seconds')"));
            checks.add(count(c, "jobs failed for good (dead letters)", "jobs",
                    "SELECT count(*) FROM job_dead_letters"));
            checks.add(redisLocations(c, redisPort));
        }
        return checks;
    }

    /** Jobs leased by this node right now (state active): the ones its death leaves to the others. */
    static List<String> leasedBy(String jdbcUrl, String node) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", null);
                PreparedStatement ps = c.prepareStatement("SELECT id::text FROM jobs WHERE state = 'active' "
                        + "AND locked_by LIKE ?")) {
            ps.setString(1, node + "%");
            List<String> ids = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            return ids;
        }
    }

    /** Of these jobs, how many are neither completed nor removed on completion. */
    static Check leasedJobsCarriedOut(String jdbcUrl, List<String> ids) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", null)) {
            return count(c, "jobs the killed node had leased, not completed by the others", ids.size(),
                    "SELECT count(*) FROM jobs WHERE id = ANY (?::uuid[]) AND state <> 'completed'",
                    ids.toArray(String[]::new));
        }
    }

    private Check exactlyOnce(Connection c, String kind, String sql, boolean withDetail) throws SQLException {
        long lost = 0;
        long duplicated = 0;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (String[] a : acked.get(kind)) {
                ps.setString(1, a[0]);
                if (withDetail) {
                    ps.setString(2, a[1]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    long n = rs.getLong(1);
                    lost += n == 0 ? 1 : 0;
                    duplicated += n > 1 ? 1 : 0;
                }
            }
        }
        return new Check("acknowledged " + kind + " lost or duplicated", acked.get(kind).size(), lost + duplicated,
                lost + " lost, " + duplicated + " duplicated");
    }

    private static Check count(Connection c, String name, Object expected, String sql, String... array)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (array.length > 0 || sql.contains("?")) {
                ps.setArray(1, c.createArrayOf("text", array));
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long wrong = rs.getLong(1);
                long of = expected instanceof Number n ? n.longValue() : total(c, (String) expected);
                return new Check(name, of, wrong, wrong + " of " + of);
            }
        }
    }

    private static long total(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + table);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Every trip with a route history in PostgreSQL has its latest location in Redis, not older than the history's
     * newest point: an acknowledged update reached both, and a node that kept locations through a Redis outage
     * wrote them back.
     */
    private static Check redisLocations(Connection c, int redisPort) throws SQLException {
        Map<String, Long> newest = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT trip_id::text, "
                + "(extract(epoch FROM max(recorded_at)) * 1000)::bigint FROM trip_locations GROUP BY trip_id");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                newest.put(rs.getString(1), rs.getLong(2));
            }
        }
        long behind = 0;
        RedisClient client = RedisClient.create("redis://127.0.0.1:" + redisPort);
        try (StatefulRedisConnection<String, String> redis = client.connect()) {
            for (Map.Entry<String, Long> e : newest.entrySet()) {
                String ts = redis.sync().hget("hushryd:rt:latest:{trip:" + e.getKey() + "}", "ts");
                if (ts == null || Long.parseLong(ts) < e.getValue()) {
                    behind++;
                }
            }
        } finally {
            client.shutdown();
        }
        return new Check("trips whose latest location in Redis is missing or older than PostgreSQL's route",
                newest.size(), behind, behind + " of " + newest.size());
    }
}
