package com.hushryd.ops;

import com.hushryd.store.Database;
import com.hushryd.store.PoolStats;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** PostgreSQL: answers a query, and how full the connection pool is. */
public final class DatabaseHealth implements HealthCheck {
    private final Database db;
    private final String backend;

    public DatabaseHealth(Database db, String backend) {
        this.db = db;
        this.backend = backend;
    }

    @Override
    public String name() {
        return "database";
    }

    @Override
    public boolean critical() {
        return true;
    }

    @Override
    public Result check() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("backend", backend);
        details.put("pool", pool(db.poolStats()));
        long start = System.nanoTime();
        try {
            db.ping(Duration.ofSeconds(2));
        } catch (Exception e) {
            details.put("error", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            return new Result(Status.DOWN, details);
        }
        details.put("latencyMs", Math.round((System.nanoTime() - start) / 10_000.0) / 100.0);
        PoolStats.Level level = db.poolStats().level();
        return new Result(level == PoolStats.Level.CRITICAL ? Status.DEGRADED : Status.UP, details);
    }

    static Map<String, Object> pool(PoolStats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("active", s.active());
        m.put("idle", s.idle());
        m.put("waiting", s.waiting());
        m.put("total", s.total());
        m.put("max", s.max());
        m.put("usagePercent", s.usagePercent());
        m.put("level", s.level().name().toLowerCase());
        return m;
    }
}
