package com.hushryd.store;

import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the connection pool: logs a warning above 80 % usage and an error above 95 % or when requests wait for a
 * connection. Logs when the level changes and then at most once per {@code repeatEvery} checks while it lasts.
 * Call {@link #check()} periodically from one thread.
 */
public final class PoolMonitor {
    private static final Logger log = LoggerFactory.getLogger(PoolMonitor.class);

    private final Supplier<PoolStats> stats;
    private final int repeatEvery;
    private PoolStats.Level last = PoolStats.Level.OK;
    private int sameLevelChecks;

    public PoolMonitor(Supplier<PoolStats> stats, int repeatEvery) {
        this.stats = stats;
        this.repeatEvery = repeatEvery;
    }

    public PoolStats.Level check() {
        PoolStats s = stats.get();
        PoolStats.Level level = s.level();
        boolean changed = level != last;
        sameLevelChecks = changed ? 0 : sameLevelChecks + 1;
        if (changed || (level != PoolStats.Level.OK && sameLevelChecks % repeatEvery == 0)) {
            switch (level) {
                case CRITICAL -> log.error("database pool critical: {}% in use ({} of {}), {} request(s) waiting",
                        s.usagePercent(), s.active(), s.max(), s.waiting());
                case WARNING -> log.warn("database pool above 80%: {}% in use ({} of {})",
                        s.usagePercent(), s.active(), s.max());
                case OK -> log.info("database pool back to normal: {}% in use", s.usagePercent());
            }
        }
        last = level;
        return level;
    }
}
