package com.hushryd.sos;

import com.hushryd.sos.SosAlert.NotificationResult;
import com.hushryd.sos.SosAlert.Point;
import com.hushryd.sos.SosAlert.TrackPoint;
import com.hushryd.store.Jdbc;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** SQL for alerts, their notifications and their track. Every method runs on the caller's connection. */
final class SosStore {
    static final String ONE_OPEN = "sos_alerts_one_open";
    static final String IDEMPOTENCY = "sos_alerts_idempotency_key";
    private static final String COLUMNS = "a.id, a.user_id, u.name AS user_name, u.phone AS user_phone, a.trip_id, "
            + "a.status, a.lat, a.lng, a.accuracy, a.message, a.created_at, a.acknowledged_at, a.acknowledged_by, "
            + "a.resolved_at, a.resolved_by, a.resolution, a.escalation, a.escalate_at, a.escalated_at, a.last_lat, "
            + "a.last_lng, a.last_located_at, a.safety_check_id, a.escalation_step";
    private static final String FROM = " FROM sos_alerts a JOIN users u ON u.id = a.user_id ";

    /** An open alert as the tracker keeps it: whose, and on which trip. */
    record OpenAlert(UUID id, UUID userId, UUID tripId) {
    }

    /** A notification row with what its job needs to send it. */
    record Pending(UUID id, UUID alertId, String purpose, String channel, String recipient, String recipientName,
            String status) {
    }

    /** Someone to notify, before the row exists. */
    record Recipient(String purpose, String channel, String to, String name) {
    }

    private SosStore() {
    }

    static void insertAlert(Connection c, UUID id, UUID userId, UUID tripId, Double lat, Double lng, Double accuracy,
            String message, String idempotencyKey, Instant now, Instant escalateAt) throws SQLException {
        Jdbc.update(c, "INSERT INTO sos_alerts (id, user_id, trip_id, status, lat, lng, accuracy, message, "
                + "idempotency_key, created_at, escalation, escalate_at, last_lat, last_lng, last_located_at) "
                + "VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?, ?)", id, userId, tripId, lat, lng,
                accuracy, message, idempotencyKey, now, escalateAt, lat, lng, lat == null ? null : now);
    }

    static void attachSafetyCheck(Connection c, UUID alertId, UUID checkId) throws SQLException {
        Jdbc.update(c, "UPDATE sos_alerts SET safety_check_id = ? WHERE id = ?", checkId, alertId);
    }

    static void attachShare(Connection c, UUID alertId, UUID shareId) throws SQLException {
        Jdbc.update(c, "UPDATE sos_alerts SET share_id = ? WHERE id = ?", shareId, alertId);
    }

    static Optional<SosAlert> alert(Connection c, UUID id) throws SQLException {
        return Jdbc.one(c, "SELECT " + COLUMNS + FROM + "WHERE a.id = ?", SosStore::alert, id);
    }

    static Optional<SosAlert> byKey(Connection c, UUID userId, String key) throws SQLException {
        return Jdbc.one(c, "SELECT " + COLUMNS + FROM + "WHERE a.user_id = ? AND a.idempotency_key = ?",
                SosStore::alert, userId, key);
    }

    static Optional<SosAlert> openOf(Connection c, UUID userId) throws SQLException {
        return Jdbc.one(c, "SELECT " + COLUMNS + FROM + "WHERE a.user_id = ? AND a.status <> 'resolved'",
                SosStore::alert, userId);
    }

    /** Alerts newest first: {@code open} (not resolved), one status, or all ({@code null}); after a keyset position. */
    static List<SosAlert> list(Connection c, String status, Instant afterTime, UUID afterId, int limit)
            throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + FROM + "WHERE true");
        List<Object> params = new java.util.ArrayList<>();
        if ("open".equals(status)) {
            sql.append(" AND a.status <> 'resolved'");
        } else if (status != null) {
            sql.append(" AND a.status = ?");
            params.add(status);
        }
        if (afterTime != null) {
            sql.append(" AND (a.created_at, a.id) < (?, ?)");
            params.add(afterTime);
            params.add(afterId);
        }
        sql.append(" ORDER BY a.created_at DESC, a.id DESC LIMIT ?");
        params.add(limit);
        return Jdbc.list(c, sql.toString(), SosStore::alert, params.toArray());
    }

    static List<OpenAlert> open(Connection c) throws SQLException {
        return Jdbc.list(c, "SELECT id, user_id, trip_id FROM sos_alerts WHERE status <> 'resolved'",
                rs -> new OpenAlert(Jdbc.uuid(rs, "id"), Jdbc.uuid(rs, "user_id"), Jdbc.uuid(rs, "trip_id")));
    }

    /** Empty when the trip does not exist; otherwise whether the user drives it or holds a confirmed booking on it. */
    static Optional<Boolean> onTrip(Connection c, UUID tripId, UUID userId) throws SQLException {
        return Jdbc.one(c, "SELECT t.driver_id = ? OR EXISTS (SELECT 1 FROM bookings b WHERE b.trip_id = t.id "
                + "AND b.passenger_id = ? AND b.status = 'confirmed') AS on_trip FROM trips t WHERE t.id = ?",
                rs -> rs.getBoolean("on_trip"), userId, userId, tripId);
    }

    /** The user's emergency contacts: SMS to each phone first, then email to each address. */
    static List<Recipient> contacts(Connection c, UUID userId) throws SQLException {
        List<String[]> rows = Jdbc.list(c, "SELECT name, phone, email FROM emergency_contacts WHERE user_id = ? "
                + "ORDER BY position", rs -> new String[] {rs.getString("name"), rs.getString("phone"),
                        rs.getString("email")}, userId);
        List<Recipient> out = new java.util.ArrayList<>();
        for (String[] r : rows) {
            out.add(new Recipient("alert", "sms", r[1], r[0]));
        }
        for (String[] r : rows) {
            if (r[2] != null) {
                out.add(new Recipient("alert", "email", r[2], r[0]));
            }
        }
        return out;
    }

    static void insertNotification(Connection c, UUID id, UUID alertId, int position, Recipient r, UUID jobId,
            Instant now) throws SQLException {
        Jdbc.update(c, "INSERT INTO sos_notifications (id, alert_id, position, purpose, channel, recipient, "
                + "recipient_name, status, job_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)", id,
                alertId, position, r.purpose(), r.channel(), r.to(), r.name(), jobId, now);
    }

    static int nextPosition(Connection c, UUID alertId) throws SQLException {
        return Jdbc.one(c, "SELECT coalesce(max(position), -1) + 1 AS n FROM sos_notifications WHERE alert_id = ?",
                rs -> rs.getInt("n"), alertId).orElse(0);
    }

    static Optional<Pending> pending(Connection c, UUID id) throws SQLException {
        return Jdbc.one(c, "SELECT id, alert_id, purpose, channel, recipient, recipient_name, status "
                + "FROM sos_notifications WHERE id = ?", rs -> new Pending(Jdbc.uuid(rs, "id"),
                        Jdbc.uuid(rs, "alert_id"), rs.getString("purpose"), rs.getString("channel"),
                        rs.getString("recipient"), rs.getString("recipient_name"), rs.getString("status")), id);
    }

    static void settle(Connection c, UUID id, String status, String provider, int attempts, String error, Instant now)
            throws SQLException {
        Jdbc.update(c, "UPDATE sos_notifications SET status = ?, provider = coalesce(?, provider), "
                + "attempts = greatest(attempts, ?), last_error = ?, updated_at = ? WHERE id = ? AND status <> 'sent'",
                status, provider, attempts, error, now, id);
    }

    static List<NotificationResult> notifications(Connection c, UUID alertId) throws SQLException {
        return Jdbc.list(c, "SELECT purpose, channel, recipient, recipient_name, status, provider, attempts, "
                + "last_error, updated_at FROM sos_notifications WHERE alert_id = ? ORDER BY position",
                rs -> new NotificationResult(rs.getString("purpose"), rs.getString("channel"),
                        rs.getString("recipient"), rs.getString("recipient_name"), rs.getString("status"),
                        rs.getString("provider"), rs.getInt("attempts"), rs.getString("last_error"),
                        Jdbc.instant(rs, "updated_at")), alertId);
    }

    /** Adds a point to the track (a repeat of the same instant and source is ignored) and makes it the latest. */
    static void track(Connection c, UUID alertId, TrackPoint p) throws SQLException {
        int added = Jdbc.update(c, "INSERT INTO sos_track (alert_id, recorded_at, lat, lng, speed, heading, accuracy, "
                + "source) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", alertId, p.recordedAt(), p.lat(),
                p.lng(), p.speed(), p.heading(), p.accuracy(), p.source());
        if (added == 1) {
            Jdbc.update(c, "UPDATE sos_alerts SET last_lat = ?, last_lng = ?, last_located_at = ? WHERE id = ? "
                    + "AND (last_located_at IS NULL OR last_located_at <= ?)", p.lat(), p.lng(), p.recordedAt(),
                    alertId, p.recordedAt());
        }
    }

    static List<TrackPoint> trackOf(Connection c, UUID alertId, int limit) throws SQLException {
        return Jdbc.list(c, "SELECT lat, lng, speed, heading, accuracy, recorded_at, source FROM sos_track "
                + "WHERE alert_id = ? ORDER BY recorded_at DESC LIMIT ?", rs -> new TrackPoint(rs.getDouble("lat"),
                        rs.getDouble("lng"), Jdbc.nullableDouble(rs, "speed"), Jdbc.nullableDouble(rs, "heading"),
                        Jdbc.nullableDouble(rs, "accuracy"), Jdbc.instant(rs, "recorded_at"), rs.getString("source")),
                alertId, limit);
    }

    /** Active → acknowledged, cancelling a scheduled escalation. False when the alert was not active. */
    static boolean acknowledge(Connection c, UUID id, UUID by, Instant now) throws SQLException {
        return Jdbc.update(c, "UPDATE sos_alerts SET status = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?, "
                + "escalation = CASE escalation WHEN 'scheduled' THEN 'cancelled' ELSE escalation END "
                + "WHERE id = ? AND status = 'active'", now, by, id) == 1;
    }

    /** Open → resolved, cancelling a scheduled escalation. False when it was resolved already. */
    static boolean resolve(Connection c, UUID id, UUID by, String resolution, Instant now) throws SQLException {
        return Jdbc.update(c, "UPDATE sos_alerts SET status = 'resolved', resolved_at = ?, resolved_by = ?, "
                + "resolution = ?, escalation = CASE escalation WHEN 'scheduled' THEN 'cancelled' ELSE escalation END "
                + "WHERE id = ? AND status <> 'resolved'", now, by, resolution, id) == 1;
    }

    /**
     * Step {@code step} of the ladder, once: only while nobody has acknowledged or resolved the alert and the step
     * before it has run; {@code nextAt} is when the next step is due (null: none).
     */
    static boolean escalate(Connection c, UUID id, int step, Instant now, Instant nextAt) throws SQLException {
        return Jdbc.update(c, "UPDATE sos_alerts SET escalation = 'escalated', escalated_at = ?, escalation_step = ?, "
                + "escalate_at = coalesce(?, escalate_at) WHERE id = ? AND status = 'active' AND escalation_step = ? "
                + "AND escalation IN ('scheduled', 'escalated')", now, step, nextAt, id, step - 1) == 1;
    }

    private static SosAlert alert(ResultSet rs) throws SQLException {
        Double lat = Jdbc.nullableDouble(rs, "lat");
        Double lastLat = Jdbc.nullableDouble(rs, "last_lat");
        Instant created = Jdbc.instant(rs, "created_at");
        return new SosAlert(Jdbc.uuid(rs, "id"), Jdbc.uuid(rs, "user_id"), rs.getString("user_name"),
                rs.getString("user_phone"), Jdbc.uuid(rs, "trip_id"), SosStatus.of(rs.getString("status")),
                lat == null ? null : new Point(lat, rs.getDouble("lng"), Jdbc.nullableDouble(rs, "accuracy"), created),
                rs.getString("message"), created, Jdbc.instant(rs, "acknowledged_at"),
                Jdbc.uuid(rs, "acknowledged_by"), Jdbc.instant(rs, "resolved_at"), Jdbc.uuid(rs, "resolved_by"),
                rs.getString("resolution"), rs.getString("escalation"), Jdbc.instant(rs, "escalate_at"),
                Jdbc.instant(rs, "escalated_at"), rs.getInt("escalation_step"), lastLat == null ? null : new Point(lastLat, rs.getDouble("last_lng"),
                        null, Jdbc.instant(rs, "last_located_at")), Jdbc.uuid(rs, "safety_check_id"), null, null);
    }
}
