package com.hushryd.protect.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * In-process buckets: this node's requests only (the single-node default, and the fallback while Redis is away).
 * Each bucket is forgotten once nothing in it matters any more; at most {@code maxBuckets} are kept (the least
 * recently used go first, which only ever forgives a client).
 */
public final class LocalRateLimiter implements RateLimiter {
    private final Clock clock;
    private final Penalties penalties;
    private final Cache<String, Gcra.State> buckets;

    public LocalRateLimiter(Penalties penalties, Clock clock, long maxBuckets) {
        this.clock = clock;
        this.penalties = penalties;
        this.buckets = Caffeine.newBuilder()
                .maximumSize(maxBuckets)
                .expireAfter(new Expiry<String, Gcra.State>() {
                    @Override
                    public long expireAfterCreate(String key, Gcra.State s, long currentTime) {
                        return remaining(s);
                    }

                    @Override
                    public long expireAfterUpdate(String key, Gcra.State s, long currentTime, long currentDuration) {
                        return remaining(s);
                    }

                    @Override
                    public long expireAfterRead(String key, Gcra.State s, long currentTime, long currentDuration) {
                        return remaining(s);
                    }
                })
                .executor(Runnable::run)
                .build();
    }

    private long remaining(Gcra.State s) {
        return TimeUnit.MICROSECONDS.toNanos(Math.max(1_000_000, s.expiresAt(penalties) - nowMicros() + 1_000_000));
    }

    private long nowMicros() {
        java.time.Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }

    @Override
    public String name() {
        return "local";
    }

    /** Decides at once; the returned stage is already complete. */
    public Decision decide(String key, Limit limit) {
        Decision[] out = new Decision[1];
        // compute() runs under the entry's lock, so one bucket's decisions are serialised
        buckets.asMap().compute(key, (k, s) -> {
            Gcra.State state = s == null ? new Gcra.State() : s;
            out[0] = Gcra.decide(state, nowMicros(), limit, penalties);
            return state;
        });
        return out[0];
    }

    @Override
    public CompletionStage<Decision> acquire(String key, Limit limit) {
        return CompletableFuture.completedFuture(decide(key, limit));
    }
}
