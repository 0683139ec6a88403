package com.hushryd.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How the SDK retries a call: at most {@link #maxAttempts()} attempts, waiting an exponentially growing, fully
 * jittered delay between them ({@code random(0, min(maxDelay, baseDelay * 2^attempt))}), or the server's
 * {@code Retry-After} when it gave one (capped by {@code maxDelay}). Only failures that did not change anything or
 * that the idempotency key makes safe are retried: no answer, 429, 502/503/504. Never a 4xx validation error.
 * Immutable.
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay) {
    /** 6 attempts, 200 ms doubling up to 10 s: about 20 s of trying in the worst case. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(6, Duration.ofMillis(200), Duration.ofSeconds(10));
    /** One attempt: the caller (e.g. the offline queue) decides. */
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO);

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }

    /** The wait before attempt {@code attempt + 1} (attempt counts from 1), honouring {@code retryAfter}. */
    public Duration delay(int attempt, Duration retryAfter) {
        if (retryAfter != null) {
            return retryAfter.compareTo(maxDelay) > 0 ? maxDelay : retryAfter;
        }
        long cap = Math.min(maxDelay.toMillis(), baseDelay.toMillis() << Math.min(attempt - 1, 20));
        return Duration.ofMillis(cap <= 0 ? 0 : ThreadLocalRandom.current().nextLong(cap + 1));
    }
}
