package com.hushryd.uploads;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;

/**
 * A fixed one-minute window per user, counted in this process (as express-rate-limit's memory store does). With N
 * nodes behind a load balancer a user may get up to N times the limit; the shared PROTECT limiter fixes that.
 * Memory is bounded: idle users' windows expire.
 */
public final class LocalUploadRateLimiter implements UploadRateLimiter {
    private static final long WINDOW_MILLIS = 60_000;

    private final int limit;
    private final Clock clock;
    private final Cache<UUID, Window> windows = Caffeine.newBuilder()
            .expireAfterAccess(Duration.ofMillis(2 * WINDOW_MILLIS)).maximumSize(1_000_000).build();

    public LocalUploadRateLimiter(int perMinute, Clock clock) {
        if (perMinute < 1) {
            throw new IllegalArgumentException("perMinute must be at least 1");
        }
        this.limit = perMinute;
        this.clock = clock;
    }

    private static final class Window {
        long start;
        int used;
    }

    @Override
    public Decision acquire(UUID userId) {
        long now = clock.millis();
        long windowStart = now - Math.floorMod(now, WINDOW_MILLIS);
        Window w = windows.get(userId, k -> new Window());
        synchronized (w) {
            if (w.start != windowStart) {
                w.start = windowStart;
                w.used = 0;
            }
            long reset = Math.max(1, (windowStart + WINDOW_MILLIS - now + 999) / 1000);
            if (w.used >= limit) {
                return new Decision(false, limit, 0, reset, WINDOW_MILLIS / 1000);
            }
            w.used++;
            return new Decision(true, limit, limit - w.used, reset, WINDOW_MILLIS / 1000);
        }
    }
}
