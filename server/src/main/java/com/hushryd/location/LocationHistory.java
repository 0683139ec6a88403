package com.hushryd.location;

import com.hushryd.store.Database;
import com.hushryd.store.Jdbc;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The route history: locations are buffered on this node and written to PostgreSQL in batches, every
 * {@code flushEvery} or {@code batchSize} rows, whichever comes first, and everything buffered is written on a
 * graceful stop. A crash loses at most the buffer (the last few seconds of history, never the latest location,
 * which is in the {@link LocationStore}). The buffer is bounded: when the database cannot keep up, new points are
 * dropped and counted rather than exhausting memory; a failed write is retried with its batch kept.
 */
public final class LocationHistory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocationHistory.class);

    private final Database db;
    private final BlockingQueue<Location> buffer;
    private final int batchSize;
    private final Duration flushEvery;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final Object writeLock = new Object();
    private volatile boolean running;
    private Thread writer;
    private List<Location> pending = new ArrayList<>();

    public LocationHistory(Database db, int capacity, int batchSize, Duration flushEvery) {
        this.db = db;
        this.buffer = new ArrayBlockingQueue<>(capacity);
        this.batchSize = batchSize;
        this.flushEvery = flushEvery;
    }

    /** A point of a route, as {@code GET /trips/{id}/route} answers it. */
    public record Point(double lat, double lng, Double speed, Double heading, Double accuracy, Instant timestamp) {
    }

    /** A page of a route in time order; {@code nextCursor} is null on the last page. */
    public record Route(UUID tripId, List<Point> points, String nextCursor) {
    }

    public void record(Location l) {
        if (!buffer.offer(l) && dropped.incrementAndGet() % 1000 == 1) {
            log.warn("location history buffer full ({} points): dropping points ({} so far); the database is not "
                    + "keeping up", buffer.size(), dropped.get());
        }
    }

    public int depth() {
        return buffer.size() + pending.size();
    }

    public long dropped() {
        return dropped.get();
    }

    public long written() {
        return written.get();
    }

    public void start() {
        running = true;
        writer = new Thread(this::loop, "location-history");
        writer.setDaemon(true);
        writer.start();
    }

    private void loop() {
        while (running) {
            try {
                Location first = buffer.poll(flushEvery.toMillis(), TimeUnit.MILLISECONDS);
                if (first == null) {
                    flush();
                    continue;
                }
                synchronized (writeLock) {
                    pending.add(first);
                }
                long deadline = System.nanoTime() + flushEvery.toNanos();
                while (running && depth() < batchSize && System.nanoTime() < deadline) {
                    Location next = buffer.poll(Math.max(1, (deadline - System.nanoTime()) / 1_000_000),
                            TimeUnit.MILLISECONDS);
                    if (next != null) {
                        synchronized (writeLock) {
                            pending.add(next);
                            buffer.drainTo(pending, batchSize - pending.size());
                        }
                    }
                }
                flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.warn("location history write failed; will retry: {}", e.toString());
                sleepQuietly();
            }
        }
    }

    /** Writes everything buffered now; on failure the points stay buffered. */
    public void flush() {
        synchronized (writeLock) {
            buffer.drainTo(pending);
            while (!pending.isEmpty()) {
                List<Location> batch = pending.subList(0, Math.min(batchSize, pending.size()));
                try {
                    insert(batch);
                } catch (SQLException e) {
                    throw new IllegalStateException("inserting " + batch.size() + " history points: " + e.getMessage(), e);
                }
                written.addAndGet(batch.size());
                batch.clear();
            }
        }
    }

    private void insert(List<Location> batch) throws SQLException {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO trip_locations (trip_id, driver_id, "
                    + "recorded_at, lat, lng, speed, heading, accuracy) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    // a point sent again (a retried batch) is the same point of the route (V11)
                    + "ON CONFLICT (trip_id, recorded_at) DO NOTHING")) {
                for (Location l : batch) {
                    Jdbc.bind(ps, l.tripId(), l.driverId(), l.timestamp(), l.lat(), l.lng(), l.speed(), l.heading(),
                            l.accuracy());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    private record Row(long id, Point point) {
    }

    /**
     * The stored route of a trip in time order (keyset on time, then insertion), continuing after {@code cursor}
     * (null for the start; a cursor this method returned otherwise).
     */
    public Route route(UUID tripId, String cursor, int limit) throws SQLException {
        Instant afterTime = Instant.EPOCH;
        long afterId = 0;
        if (cursor != null) {
            try {
                String[] parts = new String(java.util.Base64.getUrlDecoder().decode(cursor),
                        java.nio.charset.StandardCharsets.UTF_8).split("\\|");
                afterTime = Instant.parse(parts[0]);
                afterId = Long.parseLong(parts[1]);
            } catch (RuntimeException e) {
                throw new com.hushryd.common.ApiException(400, "INVALID_CURSOR", "cursor: not a cursor this server issued",
                        java.util.Map.of("field", "cursor"), null);
            }
        }
        Instant t = afterTime;
        long id = afterId;
        List<Row> rows = db.read(c -> Jdbc.list(c, "SELECT id, lat, lng, speed, heading, accuracy, recorded_at "
                + "FROM trip_locations WHERE trip_id = ? AND (recorded_at, id) > (?, ?) ORDER BY recorded_at, id "
                + "LIMIT ?", rs -> new Row(rs.getLong("id"), new Point(rs.getDouble("lat"), rs.getDouble("lng"),
                        Jdbc.nullableDouble(rs, "speed"), Jdbc.nullableDouble(rs, "heading"),
                        Jdbc.nullableDouble(rs, "accuracy"), Jdbc.instant(rs, "recorded_at"))),
                tripId, t, id, limit + 1));
        List<Point> page = rows.subList(0, Math.min(limit, rows.size())).stream().map(Row::point).toList();
        String next = null;
        if (rows.size() > limit) {
            Row last = rows.get(limit - 1);
            next = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString((last.point().timestamp() + "|"
                    + last.id()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return new Route(tripId, page, next);
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the writer and writes what is buffered (graceful shutdown). */
    @Override
    public void close() {
        running = false;
        if (writer != null) {
            writer.interrupt();
            try {
                writer.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            flush();
        } catch (RuntimeException e) {
            log.warn("location history not fully written at shutdown ({} points lost): {}", depth(), e.toString());
        }
    }
}
