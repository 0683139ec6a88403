package com.hushryd.jobs;

import java.time.Duration;
import java.util.UUID;

/**
 * A job handed to one worker for one attempt. The worker must settle it exactly once (complete, retry, fail or
 * release); until then the backend keeps it from other workers for as long as the lease is renewed.
 *
 * @param attempt the number of this attempt, from 1
 * @param token   proof of ownership: a settlement with a stale token (the lease expired and the job was handed to
 *                another worker) is ignored
 * @param handle  backend-specific (the RabbitMQ delivery), null elsewhere
 */
public record Lease(UUID jobId, String queue, String type, String payload, Priority priority, int attempt,
        int maxAttempts, Duration backoff, Duration timeout, int removeOnComplete, int removeOnFail, String token,
        Object handle) {

    /** Whether a failure of this attempt still leaves attempts to retry. */
    public boolean canRetry() {
        return attempt < maxAttempts;
    }

    /** The exponential backoff before the next attempt: {@code backoff × 2^(attempt-1)}, capped at one day. */
    public Duration retryDelay() {
        long base = backoff.toMillis();
        long factor = 1L << Math.min(attempt - 1, 30);
        long ms = base > Duration.ofDays(1).toMillis() / factor ? Duration.ofDays(1).toMillis() : base * factor;
        return Duration.ofMillis(Math.min(ms, Duration.ofDays(1).toMillis()));
    }
}
