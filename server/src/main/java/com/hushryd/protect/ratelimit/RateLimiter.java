package com.hushryd.protect.ratelimit;

import java.util.concurrent.CompletionStage;

/**
 * Counts requests against a quota per bucket key and says whether one more may pass (GCRA: a burst of the whole
 * quota, then one request per interval), with progressive {@link Penalties} for repeat offenders.
 *
 * <p>A decision is atomic: concurrent acquisitions on one key, from any thread or (for a shared backend) any node,
 * never let more requests through than the quota. A refused request does not consume quota. Thread-safe; never
 * blocks the caller (a remote backend answers through the stage). The stage fails when the backend cannot decide
 * (e.g. Redis unreachable); {@link FailoverRateLimiter} turns that into a local decision.
 */
public interface RateLimiter extends AutoCloseable {
    String name();

    CompletionStage<Decision> acquire(String key, Limit limit);

    @Override
    default void close() {
    }
}
