package com.hushryd.jobs.postgres;

import com.hushryd.jobs.RateGate;
import com.hushryd.store.Database;
import com.hushryd.store.Jdbc;
import java.time.Duration;

/**
 * Rate limits shared by every worker of the cluster, whatever the queue backend: one row per queue and fixed
 * window in {@code job_rate_windows}, updated under its row lock. Only rate-limited queues pay for it, once per
 * fetch (not per job).
 */
public final class PgRateGate implements RateGate {
    private final Database db;
    private final Duration window;

    public PgRateGate(Database db) {
        this(db, Duration.ofMinutes(1));
    }

    /** With another window than a minute ({@code maxPerMinute} then means per window); for tests. */
    public PgRateGate(Database db, Duration window) {
        this.db = db;
        this.window = window;
    }

    @Override
    public int acquire(String queue, int wanted, int maxPerMinute) {
        double seconds = window.toMillis() / 1000.0;
        return Sql.tx(db, "rate limit of " + queue, c -> {
            String start = "to_timestamp(floor(extract(epoch FROM now()) / ?) * ?)";
            Jdbc.update(c, "INSERT INTO job_rate_windows (queue, window_start, used) VALUES (?, " + start + ", 0) "
                    + "ON CONFLICT DO NOTHING", queue, seconds, seconds);
            int used = Jdbc.one(c, "SELECT used FROM job_rate_windows WHERE queue = ? AND window_start = " + start
                    + " FOR UPDATE", rs -> rs.getInt(1), queue, seconds, seconds).orElse(maxPerMinute);
            int grant = Math.max(0, Math.min(wanted, maxPerMinute - used));
            if (grant > 0) {
                Jdbc.update(c, "UPDATE job_rate_windows SET used = used + ? WHERE queue = ? AND window_start = "
                        + start, grant, queue, seconds, seconds);
            }
            Jdbc.update(c, "DELETE FROM job_rate_windows WHERE queue = ? AND window_start < now() - interval '1 day'",
                    queue);
            return grant;
        });
    }
}
