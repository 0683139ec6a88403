package com.hushryd.share;

import com.hushryd.store.Ids;
import com.hushryd.store.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** The SQL of shares, and the one way a share is created (also inside an SOS's transaction). */
public final class ShareStore {
    /** The longest a link lives, whatever the trip does. */
    public static final Duration MAX_LIFE = Duration.ofHours(24);

    /** A share with what the public page shows of its trip. */
    record Shared(UUID id, UUID tripId, UUID createdBy, Instant createdAt, Instant expiresAt, Instant revokedAt,
            String tripStatus, Instant tripEndedAt, String driverName, String sourceCity, String destinationCity,
            Instant departureTime, Instant startedAt) {
    }

    private ShareStore() {
    }

    /** Creates a share of the trip in the caller's transaction. */
    public static UUID create(Connection c, UUID tripId, UUID by, String reason, Instant now) throws SQLException {
        UUID id = Ids.newId();
        Jdbc.update(c, "INSERT INTO trip_shares (id, trip_id, created_by, reason, created_at, expires_at) "
                + "VALUES (?, ?, ?, ?, ?, ?)", id, tripId, by, reason, now, now.plus(MAX_LIFE));
        return id;
    }

    static Optional<Shared> shared(Connection c, UUID id) throws SQLException {
        return Jdbc.one(c, "SELECT s.id, s.trip_id, s.created_by, s.created_at, s.expires_at, s.revoked_at, t.status, "
                + "coalesce(t.completed_at, t.cancelled_at) AS ended_at, u.name AS driver_name, t.source_city, "
                + "t.destination_city, t.departure_time, t.started_at FROM trip_shares s JOIN trips t ON t.id = s.trip_id "
                + "JOIN users u ON u.id = t.driver_id WHERE s.id = ?", rs -> new Shared(Jdbc.uuid(rs, "id"),
                        Jdbc.uuid(rs, "trip_id"), Jdbc.uuid(rs, "created_by"), Jdbc.instant(rs, "created_at"),
                        Jdbc.instant(rs, "expires_at"), Jdbc.instant(rs, "revoked_at"), rs.getString("status"),
                        Jdbc.instant(rs, "ended_at"), rs.getString("driver_name"), rs.getString("source_city"),
                        rs.getString("destination_city"), Jdbc.instant(rs, "departure_time"),
                        Jdbc.instant(rs, "started_at")), id);
    }

    static boolean revoke(Connection c, UUID id, Instant now) throws SQLException {
        return Jdbc.update(c, "UPDATE trip_shares SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", now, id)
                == 1;
    }

    /** The share sent with an SOS alert, if any. */
    public static Optional<UUID> ofAlert(Connection c, UUID alertId) throws SQLException {
        return Jdbc.one(c, "SELECT share_id FROM sos_alerts WHERE id = ? AND share_id IS NOT NULL",
                rs -> Jdbc.uuid(rs, "share_id"), alertId);
    }
}
