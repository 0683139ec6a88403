package com.hushryd.protect.ratelimit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared backend behind the Redis circuit breaker, with this node's own buckets as the fallback: while Redis
 * cannot decide (down, slow, breaker open) every decision is local, so the API keeps serving with per-node limits;
 * once the breaker lets a trial call through and it succeeds, decisions are shared again. Logs each switch.
 */
public final class FailoverRateLimiter implements RateLimiter {
    private static final Logger log = LoggerFactory.getLogger(FailoverRateLimiter.class);

    private final RateLimiter shared;
    private final LocalRateLimiter local;
    private final CircuitBreaker breaker;
    private final AtomicLong localDecisions = new AtomicLong();
    private volatile boolean onShared = true;

    public FailoverRateLimiter(RateLimiter shared, LocalRateLimiter local, CircuitBreaker breaker) {
        this.shared = shared;
        this.local = local;
        this.breaker = breaker;
    }

    @Override
    public String name() {
        return shared.name() + "+local-fallback";
    }

    /** Whether the last decision came from the shared backend. */
    public boolean onShared() {
        return onShared;
    }

    /** Decisions taken locally because the shared backend could not decide. */
    public long localDecisions() {
        return localDecisions.get();
    }

    @Override
    public CompletionStage<Decision> acquire(String key, Limit limit) {
        if (!breaker.tryAcquirePermission()) {
            return CompletableFuture.completedFuture(fallback(key, limit, null));
        }
        long start = System.nanoTime();
        CompletionStage<Decision> remote;
        try {
            remote = shared.acquire(key, limit);
        } catch (RuntimeException e) {
            breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
            return CompletableFuture.completedFuture(fallback(key, limit, e));
        }
        return remote.handle((d, e) -> {
            if (e == null) {
                breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                if (!onShared) {
                    onShared = true;
                    log.info("rate limits: {} decides again (cluster-wide limits restored)", shared.name());
                }
                return d;
            }
            breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
            return fallback(key, limit, e);
        });
    }

    private Decision fallback(String key, Limit limit, Throwable cause) {
        if (onShared) {
            onShared = false;
            log.warn("rate limits: {} cannot decide ({}); using this node's own limits until it returns",
                    shared.name(), cause == null ? "circuit breaker open" : cause.toString());
        }
        localDecisions.incrementAndGet();
        return local.decide(key, limit);
    }

    @Override
    public void close() {
        shared.close();
    }
}
