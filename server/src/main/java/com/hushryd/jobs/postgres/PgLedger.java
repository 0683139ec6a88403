package com.hushryd.jobs.postgres;

import com.hushryd.jobs.JobQueueException;
import com.hushryd.jobs.QueueStats;
import com.hushryd.store.Database;
import com.hushryd.store.Jdbc;
import com.hushryd.store.SqlWork;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Queue book-keeping kept in PostgreSQL for the backends that have no counters of their own (PostgreSQL itself and
 * RabbitMQ): the queue registry, producers' idempotency keys, completion counts per 10-second bucket (the measured
 * processing rate) and each node's running jobs. Counts are added up in memory and flushed every two seconds into
 * rows keyed by node, so that no two nodes ever update the same row.
 */
public final class PgLedger implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PgLedger.class);
    private static final long RATE_CACHE_NANOS = 2_000_000_000L;

    private record Counts(LongAdder completed, LongAdder failed) {
    }

    private record Rate(double perSecond, long at) {
    }

    private final Database db;
    private final String node;
    private final Map<String, Counts> counts = new ConcurrentHashMap<>();
    private final Map<String, IntSupplier> activity = new ConcurrentHashMap<>();
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private final Map<String, Rate> rates = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private long lastPrune;

    public PgLedger(Database db, String node) {
        this.db = db;
        this.node = node;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "job-ledger");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::flushQuietly, 2, 2, TimeUnit.SECONDS);
    }

    public void completed(String queue) {
        counts(queue).completed().increment();
    }

    public void failed(String queue) {
        counts(queue).failed().increment();
    }

    /** Reports this node's running jobs of {@code queue} with every flush (for backends that cannot count them). */
    public void trackActive(String queue, IntSupplier running) {
        activity.put(queue, running);
    }

    public void untrackActive(String queue) {
        activity.remove(queue);
    }

    private Counts counts(String queue) {
        return counts.computeIfAbsent(queue, q -> new Counts(new LongAdder(), new LongAdder()));
    }

    /** Records that a queue exists, once per process. */
    public void register(String queue) {
        if (registered.contains(queue)) {
            return;
        }
        try {
            db.read(c -> register(c, queue));
        } catch (SQLException e) {
            throw new JobQueueException("cannot register queue " + queue + ": " + e.getMessage(), e);
        }
    }

    /**
     * Records that a queue exists, on the caller's connection (an enqueue inside a transaction must not wait for
     * another connection: SOS writes on the reserved pool while the shared one may be exhausted). If that
     * transaction rolls back, the queue is listed from its next registration on.
     */
    public int register(Connection c, String queue) throws SQLException {
        if (registered.contains(queue)) {
            return 0;
        }
        int n = Jdbc.update(c, "INSERT INTO job_queues (queue) VALUES (?) ON CONFLICT DO NOTHING", queue);
        registered.add(queue);
        return n;
    }

    public Set<String> queues() {
        try {
            List<String> names = db.read(c -> Jdbc.list(c, "SELECT queue FROM job_queues", rs -> rs.getString(1)));
            return new TreeSet<>(names);
        } catch (SQLException e) {
            throw new JobQueueException("cannot list queues: " + e.getMessage(), e);
        }
    }

    /**
     * Claims an idempotency key for {@code jobId} inside the caller's transaction.
     *
     * @return the job that already holds the key (claimed less than 24 hours ago), or empty when it is now ours
     */
    public static Optional<UUID> claimKey(Connection c, String queue, String key, UUID jobId) throws SQLException {
        Optional<UUID> mine = Jdbc.one(c, "INSERT INTO job_keys (queue, key, job_id) VALUES (?, ?, ?) "
                + "ON CONFLICT (queue, key) DO UPDATE SET job_id = EXCLUDED.job_id, created_at = now() "
                + "WHERE job_keys.created_at < now() - interval '24 hours' RETURNING job_id",
                rs -> Jdbc.uuid(rs, "job_id"), queue, key, jobId);
        if (mine.isPresent()) {
            return Optional.empty();
        }
        return Jdbc.one(c, "SELECT job_id FROM job_keys WHERE queue = ? AND key = ?", rs -> Jdbc.uuid(rs, "job_id"),
                queue, key);
    }

    /** Completions per second over the last {@link QueueStats#RATE_WINDOW_SECONDS} s, all nodes (cached 2 s). */
    public double rate(String queue) {
        return rate(null, queue);
    }

    /** {@link #rate(String)}, read on {@code tx} when the cached value is stale (null: a pooled connection). */
    public double rate(Connection tx, String queue) {
        Rate cached = rates.get(queue);
        long now = System.nanoTime();
        if (cached != null && now - cached.at() < RATE_CACHE_NANOS) {
            return cached.perSecond();
        }
        try {
            SqlWork<Double> read = c -> Jdbc.one(c, "SELECT coalesce(sum(completed), 0) AS n, "
                    + "extract(epoch FROM now() - min(bucket)) AS span FROM job_stats "
                    + "WHERE queue = ? AND bucket > now() - make_interval(secs => ?)", rs -> {
                        double n = rs.getDouble("n");
                        double span = rs.getDouble("span");
                        return n == 0 ? 0.0 : n / Math.max(10.0, Math.min(span, QueueStats.RATE_WINDOW_SECONDS));
                    }, queue, (double) QueueStats.RATE_WINDOW_SECONDS).orElse(0.0);
            double r = tx != null ? read.run(tx) : db.read(read);
            rates.put(queue, new Rate(r, now));
            return r;
        } catch (SQLException e) {
            throw new JobQueueException("cannot read the rate of " + queue + ": " + e.getMessage(), e);
        }
    }

    /** Completed and failed counts of the last 24 hours, all nodes. */
    public long[] last24h(String queue) {
        return Sql.read(db, "cannot read counts of " + queue, c -> Jdbc.one(c, "SELECT coalesce(sum(completed), 0), coalesce(sum(failed), 0) "
                    + "FROM job_stats WHERE queue = ? AND bucket > now() - interval '24 hours'",
                    rs -> new long[] {rs.getLong(1), rs.getLong(2)}, queue)).orElse(new long[2]);
    }

    /** Running jobs of a queue as reported by live nodes (those that flushed in the last 15 s). */
    public long active(String queue) {
        return Sql.read(db, "cannot read activity of " + queue, c -> Jdbc.one(c, "SELECT coalesce(sum(active), 0) FROM job_node_activity "
                    + "WHERE queue = ? AND updated_at > now() - interval '15 seconds'", rs -> rs.getLong(1), queue))
                    .orElse(0L);
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (Exception e) {
            log.warn("job counters not flushed (kept for the next try): {}", e.getMessage());
        }
    }

    /** Writes the counts gathered since the last flush; on failure they are kept for the next one. */
    public synchronized void flush() throws SQLException {
        for (Map.Entry<String, Counts> e : counts.entrySet()) {
            long done = e.getValue().completed().sumThenReset();
            long failed = e.getValue().failed().sumThenReset();
            if (done == 0 && failed == 0) {
                continue;
            }
            try {
                db.read(c -> Jdbc.update(c, "INSERT INTO job_stats (queue, bucket, node, completed, failed) VALUES "
                        + "(?, to_timestamp(floor(extract(epoch FROM now()) / 10) * 10), ?, ?, ?) "
                        + "ON CONFLICT (queue, bucket, node) DO UPDATE SET completed = job_stats.completed + "
                        + "EXCLUDED.completed, failed = job_stats.failed + EXCLUDED.failed",
                        e.getKey(), node, done, failed));
            } catch (SQLException ex) {
                e.getValue().completed().add(done);
                e.getValue().failed().add(failed);
                throw ex;
            }
        }
        for (Map.Entry<String, IntSupplier> e : activity.entrySet()) {
            db.read(c -> Jdbc.update(c, "INSERT INTO job_node_activity (queue, node, active, updated_at) "
                    + "VALUES (?, ?, ?, now()) ON CONFLICT (queue, node) DO UPDATE SET active = EXCLUDED.active, "
                    + "updated_at = EXCLUDED.updated_at", e.getKey(), node, e.getValue().getAsInt()));
        }
        long now = System.currentTimeMillis();
        if (now - lastPrune > 60_000) {
            lastPrune = now;
            db.read(c -> {
                Jdbc.update(c, "DELETE FROM job_stats WHERE bucket < now() - interval '25 hours'");
                Jdbc.update(c, "DELETE FROM job_keys WHERE created_at < now() - interval '25 hours'");
                return Jdbc.update(c, "DELETE FROM job_node_activity WHERE updated_at < now() - interval '1 hour'");
            });
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        for (String q : activity.keySet()) {
            activity.put(q, () -> 0);
        }
        flushQuietly();
    }
}
