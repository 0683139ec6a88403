package com.hushryd.store.replica;

import com.hushryd.store.Database;
import com.hushryd.store.SqlWork;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends read-only work to a streaming replica when one is fit for it, else to the primary (decision 0062). A replica
 * serves a read while it is in rotation (it answers, it is a standby, its lag is within the allowed lag, checked every
 * {@link #CHECK_EVERY}) and, for a reader who wrote recently, once it has replayed past that reader's last write
 * ({@link ReadMarks}). Any failure on a replica (down, breaker open, a query cancelled by a recovery conflict) sends
 * the same work to the primary: a replica that is gone is never an error the caller sees. Writes, transactions and
 * the seat check of a booking never come here; callers use the primary {@link Database} for them and report each
 * committed write with {@link #wrote}. Without replicas every read goes to the primary at no extra cost. Thread-safe;
 * blocking (worker threads only).
 */
public final class ReadRouter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReadRouter.class);
    /** How often each replica's lag is measured. */
    public static final Duration CHECK_EVERY = Duration.ofMillis(500);
    /** A mark that no replica reaches: the writer's reads stay on the primary while it lives. */
    static final long PRIMARY_ONLY = Long.MAX_VALUE;
    private static final Object BEHIND = new Object();

    /** Who reads: a user and the mark of their last write (resolved once per request), or nobody in particular. */
    public record Reader(UUID user, long mark) {
        public static final Reader ANYONE = new Reader(null, ReadMarks.NONE);

        /** Whether this reader wrote within the marks' lifetime (shared caches may hold views older than the write). */
        public boolean wroteRecently() {
            return mark != ReadMarks.NONE;
        }
    }

    private final Database primary;
    private final List<Replica> replicas;
    private final ReadMarks marks;
    private final Duration maxLag;
    private final ReplicaMetrics metrics;
    private final AtomicInteger next = new AtomicInteger();
    private final ScheduledExecutorService checker;

    private ReadRouter(Database primary, List<Replica> replicas, ReadMarks marks, Duration maxLag,
            ReplicaMetrics metrics) {
        this.primary = primary;
        this.replicas = List.copyOf(replicas);
        this.marks = marks;
        this.maxLag = maxLag;
        this.metrics = metrics;
        this.checker = replicas.isEmpty() ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hushryd-replica-check");
            t.setDaemon(true);
            return t;
        });
    }

    /** Every read on the primary (DATABASE_READ_URLS unset). */
    public static ReadRouter primaryOnly(Database primary) {
        return new ReadRouter(primary, List.of(), null, Duration.ZERO, ReplicaMetrics.NONE);
    }

    /** Reads spread over {@code replicas}; checks their lag now and then every {@link #CHECK_EVERY}. */
    public static ReadRouter withReplicas(Database primary, List<Replica> replicas, ReadMarks marks, Duration maxLag,
            ReplicaMetrics metrics) {
        ReadRouter router = new ReadRouter(primary, replicas, marks, maxLag, metrics);
        if (!replicas.isEmpty()) {
            router.checkLag();
            router.checker.scheduleWithFixedDelay(router::checkLag, CHECK_EVERY.toMillis(), CHECK_EVERY.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        return router;
    }

    public List<Replica> replicas() {
        return replicas;
    }

    /** The primary: writes, transactions, and reads that must see every commit (a booking's seat check). */
    public Database primary() {
        return primary;
    }

    /**
     * The reader {@code user} (null: anonymous), with the mark of their last write. When the marks cannot be read the
     * reader is pinned to the primary for this request.
     */
    public Reader reader(UUID user) {
        if (replicas.isEmpty() || user == null) {
            return user == null ? Reader.ANYONE : new Reader(user, ReadMarks.NONE);
        }
        try {
            return new Reader(user, marks.mark(user));
        } catch (RuntimeException e) {
            log.debug("read-your-writes marks unavailable, reading from the primary: {}", e.toString());
            return new Reader(user, PRIMARY_ONLY);
        }
    }

    /** Runs read-only {@code work} for {@code user} on a fit replica, else on the primary. */
    public <T> T read(UUID user, SqlWork<T> work) throws SQLException {
        return read(reader(user), work);
    }

    /** Runs read-only {@code work} for {@code reader} on a fit replica, else on the primary. */
    @SuppressWarnings("unchecked")
    public <T> T read(Reader reader, SqlWork<T> work) throws SQLException {
        if (replicas.isEmpty()) {
            return primary.read(work);
        }
        String outcome = reader.mark() == PRIMARY_ONLY ? "marks_unavailable" : "no_replica";
        int n = replicas.size();
        int start = Math.floorMod(next.getAndIncrement(), n);
        for (int i = 0; i < n && reader.mark() != PRIMARY_ONLY; i++) {
            Replica r = replicas.get((start + i) % n);
            if (!r.inRotation()) {
                continue;
            }
            long mark = reader.mark();
            try {
                Object result = r.database().read(c -> {
                    if (mark != ReadMarks.NONE && r.replayed() < mark) {
                        long replayed = replayed(c);
                        r.sawReplayed(replayed);
                        if (replayed < mark) {
                            return BEHIND;
                        }
                    }
                    return work.run(c);
                });
                if (result == BEHIND) {
                    outcome = "behind_reader";
                    continue;
                }
                metrics.read(r.name(), "ok");
                return (T) result;
            } catch (CallNotPermittedException e) {
                outcome = "replica_failed";
                r.leave("its circuit breaker is open");
            } catch (SQLException e) {
                outcome = "replica_failed";
                if (Database.unavailable(e)) {
                    r.leave("unreachable: " + e.getMessage());
                }
                log.debug("read on replica {} failed, reading from the primary: {}", r.name(), e.toString());
            }
        }
        metrics.read("primary", outcome);
        return primary.read(work);
    }

    /**
     * {@code writer} has just committed a write: remembers the primary's WAL position now (at or past the commit) so
     * that the writer's reads, on any node, wait for a replica that has replayed it. When the position cannot be read,
     * the writer's reads stay on the primary while the mark lives.
     */
    public void wrote(UUID writer) {
        if (replicas.isEmpty() || writer == null) {
            return;
        }
        long lsn;
        try {
            lsn = primary.read(ReadRouter::current);
        } catch (SQLException | RuntimeException e) {
            lsn = PRIMARY_ONLY;
        }
        try {
            marks.remember(writer, lsn);
        } catch (RuntimeException e) {
            log.warn("could not share the read-your-writes mark of user {} (other nodes may show them a replica's "
                    + "older view for up to DB_REPLICA_MAX_LAG): {}", writer, e.toString());
        }
    }

    /** One lag check of every replica against the primary's current WAL position. */
    void checkLag() {
        long primaryLsn;
        try {
            primaryLsn = primary.read(ReadRouter::current);
        } catch (SQLException | RuntimeException e) {
            primaryLsn = ReadMarks.NONE;
        }
        for (Replica r : replicas) {
            r.check(primaryLsn, maxLag);
        }
    }

    /**
     * The primary's WAL insert position: past every record inserted so far, the caller's commit included. (The write
     * position, pg_current_wal_lsn, can still be short of a commit made with synchronous_commit off.)
     */
    static long current(Connection c) throws SQLException {
        return lsn(c, "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint");
    }

    static long replayed(Connection c) throws SQLException {
        return lsn(c, "SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint");
    }

    private static long lsn(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            long v = rs.getLong(1);
            return rs.wasNull() ? ReadMarks.NONE : v;
        }
    }

    @Override
    public void close() {
        if (checker != null) {
            checker.shutdownNow();
        }
        replicas.forEach(Replica::close);
        if (marks != null) {
            marks.close();
        }
    }
}
