package com.hushryd.safety;

import com.hushryd.common.Json;
import com.hushryd.safety.TripEvaluator.WatchState;
import com.hushryd.store.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The SQL of the watches: one row per active trip, leased by the node that evaluates it. */
final class WatchStore {
    /** A watch a node took, with what it needs to evaluate the trip. */
    record Claimed(UUID tripId, String state, double sourceLat, double sourceLng, double destinationLat,
            double destinationLng) {
    }

    /** A watched trip that is no longer active. */
    record Ended(UUID tripId, String status) {
    }

    private WatchStore() {
    }

    /** A watch for a trip that just started (the row exists already: nothing). */
    static void create(Connection c, UUID tripId, Instant now) throws SQLException {
        Jdbc.update(c, "INSERT INTO safety_watches (trip_id, created_at, updated_at) VALUES (?, ?, ?) "
                + "ON CONFLICT DO NOTHING", tripId, now, now);
    }

    /** Watches for active trips that have none (a node that died between starting a trip and creating it). */
    static int reconcile(Connection c, Instant now) throws SQLException {
        return Jdbc.update(c, "INSERT INTO safety_watches (trip_id, created_at, updated_at) SELECT t.id, ?, ? "
                + "FROM trips t WHERE t.status = 'active' AND NOT EXISTS (SELECT 1 FROM safety_watches w "
                + "WHERE w.trip_id = t.id) ON CONFLICT DO NOTHING", now, now);
    }

    /**
     * Extends this node's leases and saves their states, in one statement; returns the watches that are still this
     * node's (the others were closed, or taken over after a lease ran out).
     */
    static java.util.Set<UUID> renew(Connection c, java.util.Map<UUID, WatchState> states, String owner, Instant now,
            Duration lease) throws SQLException {
        if (states.isEmpty()) {
            return java.util.Set.of();
        }
        UUID[] ids = states.keySet().toArray(UUID[]::new);
        String[] json = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
            json[i] = Json.write(states.get(ids[i]));
        }
        return new java.util.HashSet<>(Jdbc.list(c, "UPDATE safety_watches w SET lease_until = ?, state = x.state, "
                + "updated_at = ? FROM unnest(?, ?) AS x(trip_id, state) WHERE w.trip_id = x.trip_id AND w.owner = ? "
                + "AND w.closed_at IS NULL RETURNING w.trip_id", rs -> Jdbc.uuid(rs, "trip_id"), now.plus(lease), now,
                c.createArrayOf("uuid", ids), c.createArrayOf("text", json), owner));
    }

    /** Gives a watch up (the node has more than its share, or stops), keeping its state for the next holder. */
    static void release(Connection c, UUID tripId, String owner, WatchState state, Instant now) throws SQLException {
        Jdbc.update(c, "UPDATE safety_watches SET owner = NULL, lease_until = NULL, state = ?, updated_at = ? "
                + "WHERE trip_id = ? AND owner = ?", Json.write(state), now, tripId, owner);
    }

    /** Open watches, and nodes alive in the cluster (heartbeat within {@code alive}): this node's fair share. */
    static int share(Connection c, Instant now, Duration alive) throws SQLException {
        long open = Jdbc.one(c, "SELECT count(*) AS n FROM safety_watches WHERE closed_at IS NULL",
                rs -> rs.getLong("n")).orElse(0L);
        long nodes = Jdbc.one(c, "SELECT count(*) AS n FROM cluster_nodes WHERE last_seen_at > ?",
                rs -> rs.getLong("n"), now.minus(alive)).orElse(1L);
        return (int) Math.ceil(open / (double) Math.max(1, nodes));
    }

    /** Takes up to {@code limit} open watches nobody holds, or whose holder stopped renewing. */
    static List<Claimed> claim(Connection c, String owner, int limit, Instant now, Duration lease)
            throws SQLException {
        return Jdbc.list(c, "UPDATE safety_watches w SET owner = ?, lease_until = ?, updated_at = ? FROM ("
                + "SELECT trip_id FROM safety_watches WHERE closed_at IS NULL AND (lease_until IS NULL OR lease_until < ?) "
                + "ORDER BY lease_until NULLS FIRST LIMIT ? FOR UPDATE SKIP LOCKED) x, trips t "
                + "WHERE w.trip_id = x.trip_id AND t.id = w.trip_id RETURNING w.trip_id, w.state, t.source_lat, "
                + "t.source_lng, t.destination_lat, t.destination_lng",
                rs -> new Claimed(Jdbc.uuid(rs, "trip_id"), rs.getString("state"), rs.getDouble("source_lat"),
                        rs.getDouble("source_lng"), rs.getDouble("destination_lat"), rs.getDouble("destination_lng")),
                owner, now.plus(lease), now, now, limit);
    }

    /** This node's watches whose trip is no longer active. */
    static List<Ended> ended(Connection c, String owner) throws SQLException {
        return Jdbc.list(c, "SELECT w.trip_id, t.status FROM safety_watches w JOIN trips t ON t.id = w.trip_id "
                + "WHERE w.owner = ? AND w.closed_at IS NULL AND t.status <> 'active'",
                rs -> new Ended(Jdbc.uuid(rs, "trip_id"), rs.getString("status")), owner);
    }

    /** Closes a watch, if this node still holds it; false otherwise (another node closed or took it). */
    static boolean close(Connection c, UUID tripId, String owner, Instant now) throws SQLException {
        return Jdbc.update(c, "UPDATE safety_watches SET closed_at = ?, updated_at = ?, owner = NULL, "
                + "lease_until = NULL WHERE trip_id = ? AND owner = ? AND closed_at IS NULL", now, now, tripId,
                owner) == 1;
    }

    static WatchState state(String json, long now) {
        return json == null ? WatchState.fresh(now) : com.hushryd.jobs.JobJson.read(json, WatchState.class);
    }
}
