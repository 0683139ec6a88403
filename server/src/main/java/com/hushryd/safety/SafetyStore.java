package com.hushryd.safety;

import com.fasterxml.jackson.core.type.TypeReference;
import com.hushryd.common.Json;
import com.hushryd.store.Jdbc;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The SQL of check-ins and detections. */
final class SafetyStore {
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    /** A check row. */
    record CheckRow(UUID id, UUID tripId, String status, DetectionKind kind, Instant openedAt, Instant deadline,
            Instant closedAt, UUID answeredBy, UUID driverId) {
    }

    private SafetyStore() {
    }

    static void insertDetection(Connection c, UUID id, UUID tripId, Detection d, String node, Instant at)
            throws SQLException {
        Jdbc.update(c, "INSERT INTO safety_detections (id, trip_id, kind, detected_at, node, lat, lng, inputs) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb)", id, tripId, d.kind().json(), at, node, d.lat(), d.lng(),
                Json.write(d.inputs()));
    }

    /** Opens a check unless the trip has one open; true when this one was opened. */
    static boolean openCheck(Connection c, UUID id, UUID tripId, DetectionKind kind, Instant at, Instant deadline)
            throws SQLException {
        return Jdbc.update(c, "INSERT INTO safety_checks (id, trip_id, status, kind, opened_at, deadline) "
                + "VALUES (?, ?, 'open', ?, ?, ?) ON CONFLICT (trip_id) WHERE status = 'open' DO NOTHING", id, tripId,
                kind.json(), at, deadline) == 1;
    }

    static Optional<UUID> openCheckOf(Connection c, UUID tripId) throws SQLException {
        return Jdbc.one(c, "SELECT id FROM safety_checks WHERE trip_id = ? AND status = 'open'",
                rs -> Jdbc.uuid(rs, "id"), tripId);
    }

    static void linkDetection(Connection c, UUID detectionId, UUID checkId) throws SQLException {
        Jdbc.update(c, "UPDATE safety_detections SET check_id = ? WHERE id = ?", checkId, detectionId);
    }

    static Optional<CheckRow> check(Connection c, UUID id) throws SQLException {
        return Jdbc.one(c, "SELECT s.id, s.trip_id, s.status, s.kind, s.opened_at, s.deadline, s.closed_at, "
                + "s.answered_by, t.driver_id FROM safety_checks s JOIN trips t ON t.id = s.trip_id WHERE s.id = ?",
                SafetyStore::row, id);
    }

    /** Open → {@code status} while the deadline has not passed (answers) or once it has (expiry); false otherwise. */
    static boolean close(Connection c, UUID id, String status, UUID by, Instant now, boolean beforeDeadline)
            throws SQLException {
        return Jdbc.update(c, "UPDATE safety_checks SET status = ?, closed_at = ?, answered_by = ? WHERE id = ? "
                + "AND status = 'open' AND " + (beforeDeadline ? "deadline > ?" : "deadline <= ?"), status, now, by, id,
                now) == 1;
    }

    /** The confirmed passengers of the trip. */
    static List<UUID> passengers(Connection c, UUID tripId) throws SQLException {
        return Jdbc.list(c, "SELECT DISTINCT passenger_id FROM bookings WHERE trip_id = ? AND status = 'confirmed' "
                + "ORDER BY passenger_id", rs -> Jdbc.uuid(rs, "passenger_id"), tripId);
    }

    static List<SafetyCheck.DetectionView> detections(Connection c, UUID checkId) throws SQLException {
        return Jdbc.list(c, "SELECT id, kind, detected_at, node, lat, lng, inputs::text AS inputs "
                + "FROM safety_detections WHERE check_id = ? ORDER BY detected_at, id", rs -> new SafetyCheck.DetectionView(
                        Jdbc.uuid(rs, "id"), DetectionKind.of(rs.getString("kind")), Jdbc.instant(rs, "detected_at"),
                        rs.getString("node"), Jdbc.nullableDouble(rs, "lat"), Jdbc.nullableDouble(rs, "lng"),
                        inputs(rs.getString("inputs"))), checkId);
    }

    static List<UUID> alerts(Connection c, UUID checkId) throws SQLException {
        return Jdbc.list(c, "SELECT id FROM sos_alerts WHERE safety_check_id = ? ORDER BY created_at, id",
                rs -> Jdbc.uuid(rs, "id"), checkId);
    }

    private static Map<String, Object> inputs(String json) throws SQLException {
        try {
            return Json.MAPPER.readValue(json, MAP);
        } catch (java.io.IOException e) {
            throw new SQLException("unreadable detection inputs: " + e.getMessage(), e);
        }
    }

    private static CheckRow row(ResultSet rs) throws SQLException {
        return new CheckRow(Jdbc.uuid(rs, "id"), Jdbc.uuid(rs, "trip_id"), rs.getString("status"),
                DetectionKind.of(rs.getString("kind")), Jdbc.instant(rs, "opened_at"), Jdbc.instant(rs, "deadline"),
                Jdbc.instant(rs, "closed_at"), Jdbc.uuid(rs, "answered_by"), Jdbc.uuid(rs, "driver_id"));
    }
}
