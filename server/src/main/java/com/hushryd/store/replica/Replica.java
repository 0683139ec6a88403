package com.hushryd.store.replica;

import com.hushryd.store.Database;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One streaming read replica: its own pool and breaker ({@link Database}), and what the last lag check found. It is in
 * rotation while it answers, is still a standby, and lags the primary by at most the allowed lag. Thread-safe.
 */
public final class Replica implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Replica.class);
    private static final String STATUS = "SELECT pg_is_in_recovery(), (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, "
            + "extract(epoch from clock_timestamp() - pg_last_xact_replay_timestamp())";

    private final String name;
    private final Database database;
    private volatile boolean inRotation;
    private volatile String why = "not checked yet";
    private volatile long replayed = ReadMarks.NONE;
    private volatile double lagSeconds = Double.NaN;

    /** What one check read: standby or not, replay position, seconds since the last replayed commit (or null). */
    private record Status(boolean standby, long replayed, Double sinceLastReplay) {
    }

    public Replica(String name, Database database) {
        this.name = name;
        this.database = database;
    }

    public String name() {
        return name;
    }

    public Database database() {
        return database;
    }

    public boolean inRotation() {
        return inRotation;
    }

    /** The replay position seen last (it only grows while the replica runs): a lower bound of its current one. */
    long replayed() {
        return replayed;
    }

    void sawReplayed(long lsn) {
        if (lsn > replayed) {
            replayed = lsn;
        }
    }

    /** The lag found by the last check, in seconds (NaN when unknown). */
    public double lagSeconds() {
        return lagSeconds;
    }

    /** Why it is out of rotation (or "in rotation"). */
    public String state() {
        return inRotation ? "in rotation" : why;
    }

    /**
     * Checks the replica against {@code primaryLsn} (the primary's WAL position just before, or {@link ReadMarks#NONE}
     * when the primary could not be asked: the lag found last is kept then). Lag is zero once the replica has replayed
     * up to that position; otherwise the time since the last transaction it replayed committed.
     */
    void check(long primaryLsn, Duration maxLag) {
        try {
            Status s = database.read(c -> {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(STATUS)) {
                    rs.next();
                    boolean standby = rs.getBoolean(1);
                    long replay = rs.getLong(2);
                    boolean replayKnown = !rs.wasNull();
                    double since = rs.getDouble(3);
                    return new Status(standby, replayKnown ? replay : ReadMarks.NONE, rs.wasNull() ? null : since);
                }
            });
            if (!s.standby() || s.replayed() == ReadMarks.NONE) {
                leave("not a standby (promoted?): its data may have diverged from the primary's");
                return;
            }
            sawReplayed(s.replayed());
            if (primaryLsn != ReadMarks.NONE) {
                lagSeconds = s.replayed() >= primaryLsn ? 0
                        : s.sinceLastReplay() == null ? Double.POSITIVE_INFINITY : s.sinceLastReplay();
            }
            if (Double.isNaN(lagSeconds) || lagSeconds * 1000 > maxLag.toMillis()) {
                leave(Double.isNaN(lagSeconds) ? "lag unknown" : String.format(java.util.Locale.ROOT,
                        "lags %.1f s behind the primary (DB_REPLICA_MAX_LAG %d ms)", lagSeconds, maxLag.toMillis()));
            } else if (!inRotation) {
                inRotation = true;
                log.info("read replica {} is in rotation (lag {} s)", name, lagSeconds);
            }
        } catch (CallNotPermittedException e) {
            leave("its circuit breaker is open");
        } catch (SQLException | RuntimeException e) {
            leave("cannot be read: " + e.getMessage());
        }
    }

    /** Takes it out of rotation until a check finds it fit again (also after a failed read). */
    void leave(String reason) {
        why = reason;
        if (inRotation) {
            inRotation = false;
            log.warn("read replica {} left rotation: {}; its reads go to the primary", name, reason);
        }
    }

    @Override
    public void close() {
        database.close();
    }
}
