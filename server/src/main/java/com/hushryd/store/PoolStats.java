package com.hushryd.store;

/** A snapshot of the connection pool, with the monitor's thresholds: warning at 80 %, critical at 95 % or waiters. */
public record PoolStats(int active, int idle, int waiting, int total, int max) {
    public double usagePercent() {
        return max == 0 ? 0 : Math.round(active * 1000.0 / max) / 10.0;
    }

    public Level level() {
        double usage = usagePercent();
        if (usage >= 95 || waiting > 0) {
            return Level.CRITICAL;
        }
        return usage >= 80 ? Level.WARNING : Level.OK;
    }

    public enum Level {
        OK, WARNING, CRITICAL
    }
}
