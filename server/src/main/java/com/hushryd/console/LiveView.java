package com.hushryd.console;

import com.hushryd.location.Location;
import com.hushryd.location.LocationStore;
import com.hushryd.location.NearbyDriver;
import com.hushryd.store.Database;
import com.hushryd.store.Jdbc;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the console's live map shows ({@code GET /api/v1/admin/live}): the online drivers (the nearby index, every
 * driver still within LOCATION_TTL of their last report) and the active trips with their latest positions (from the
 * location store, as {@code GET /trips/{id}/location}). Blocking: runs on a worker. A database that does not answer
 * fails the call (503); a location store that does not answer in time leaves positions out rather than failing it.
 */
public final class LiveView {
    static final int DEFAULT_LIMIT = 500;
    static final int MAX_LIMIT = 2000;
    /** Half the Earth's circumference: a circle around any point that covers every point. */
    private static final double WHOLE_EARTH_KM = 20_100;
    private static final Duration STORE_WAIT = Duration.ofSeconds(2);
    private final Database db;
    private final LocationStore store;

    public LiveView(Database db, LocationStore store) {
        this.db = db;
        this.store = store;
    }

    /** A position as the map draws it. */
    public record Position(double lat, double lng, Double speed, Double heading, Instant timestamp) {
    }

    /** An active trip with the latest position its driver reported (null before the first). */
    public record LiveTrip(UUID id, UUID driverId, String driverName, String from, String to, Instant startedAt,
            Position location) {
    }

    /** An online driver. */
    public record LiveDriver(UUID driverId, double lat, double lng, Instant lastSeen) {
    }

    /** Everything on the map; {@code positionsComplete} is false when the location store did not answer in time. */
    public record Live(List<LiveDriver> drivers, List<LiveTrip> trips, boolean positionsComplete, Instant at) {
    }

    private record Row(UUID id, UUID driverId, String driverName, String from, String to, Instant startedAt) {
    }

    public Live view(int limit) throws SQLException {
        List<Row> rows = db.read(c -> Jdbc.list(c, "SELECT t.id, t.driver_id, u.name, t.source_city, "
                + "t.destination_city, t.started_at FROM trips t JOIN users u ON u.id = t.driver_id "
                + "WHERE t.status = 'active' ORDER BY t.started_at DESC NULLS LAST LIMIT ?",
                rs -> new Row(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getTimestamp(6) == null ? null
                                : rs.getTimestamp(6).toInstant()), limit));
        List<CompletableFuture<Optional<Location>>> latest = new ArrayList<>();
        for (Row r : rows) {
            latest.add(store.latest(r.id()).toCompletableFuture());
        }
        CompletableFuture<List<NearbyDriver>> online = store.nearby(0, 0, WHOLE_EARTH_KM, limit)
                .toCompletableFuture();
        long deadline = System.nanoTime() + STORE_WAIT.toNanos();
        boolean complete = true;
        List<LiveTrip> trips = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            Optional<Location> l = await(latest.get(i), deadline);
            complete &= l != null;
            Position p = l == null || l.isEmpty() ? null : new Position(l.get().lat(), l.get().lng(), l.get().speed(),
                    l.get().heading(), l.get().timestamp());
            trips.add(new LiveTrip(r.id(), r.driverId(), r.driverName(), r.from(), r.to(), r.startedAt(), p));
        }
        List<NearbyDriver> drivers = await(online, deadline);
        complete &= drivers != null;
        List<LiveDriver> out = drivers == null ? List.of() : drivers.stream()
                .map(d -> new LiveDriver(d.driverId(), d.lat(), d.lng(), d.lastSeen())).toList();
        return new Live(out, trips, complete, Instant.now());
    }

    /** The value, or null when it failed or did not come before the deadline. */
    private static <T> T await(CompletableFuture<T> f, long deadlineNanos) {
        try {
            return f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
