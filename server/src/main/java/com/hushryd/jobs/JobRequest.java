package com.hushryd.jobs;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A job to enqueue: which queue, which handler ({@code type}), its JSON payload and how it is run.
 *
 * @param payload         the handler's input as JSON text
 * @param delay           how long to wait before the job may run; zero runs it as soon as a worker is free
 * @param attempts        how many times the job is tried before it lands in the failed set (default 3)
 * @param backoff         the wait before the first retry, doubled for each further one (default 2 s)
 * @param timeout         how long one attempt may run before it counts as failed and is retried (default 5 min)
 * @param idempotencyKey  producer's key: a second add with the same key within 24 h returns the first job; or null
 * @param removeOnComplete how many completed jobs the queue keeps (default 1000; 0 removes them at once)
 * @param removeOnFail    how many failed jobs the queue keeps (default 500)
 */
public record JobRequest(String queue, String type, String payload, Priority priority, Duration delay, int attempts,
        Duration backoff, Duration timeout, String idempotencyKey, int removeOnComplete, int removeOnFail) {
    public static final int DEFAULT_ATTEMPTS = 3;
    public static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
    public static final int DEFAULT_REMOVE_ON_COMPLETE = 1000;
    public static final int DEFAULT_REMOVE_ON_FAIL = 500;
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    public JobRequest {
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(payload, "payload");
        requireName("queue", queue);
        requireName("type", type);
        if (delay.isNegative() || backoff.isNegative() || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("delay, backoff and timeout must not be negative (timeout > 0)");
        }
        if (attempts < 1 || attempts > 25) {
            throw new IllegalArgumentException("attempts must be between 1 and 25, got " + attempts);
        }
        if (removeOnComplete < 0 || removeOnFail < 0) {
            throw new IllegalArgumentException("removeOnComplete and removeOnFail must not be negative");
        }
        if (idempotencyKey != null && (idempotencyKey.isEmpty() || idempotencyKey.length() > 200)) {
            throw new IllegalArgumentException("idempotencyKey must be 1 to 200 characters");
        }
    }

    /** Whether {@code name} can name a queue or a job type: lower-case letters, digits, '-' and '_', up to 63. */
    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    private static void requireName(String what, String name) {
        if (!validName(name)) {
            throw new IllegalArgumentException(what + " must be 1-63 lower-case letters, digits, '-' or '_', got '"
                    + name + "'");
        }
    }

    /** A job with the defaults of seed 000: normal priority, now, 3 attempts, exponential backoff from 2 s. */
    public static JobRequest of(String queue, String type, String payloadJson) {
        return new JobRequest(queue, type, payloadJson, Priority.NORMAL, Duration.ZERO, DEFAULT_ATTEMPTS,
                DEFAULT_BACKOFF, DEFAULT_TIMEOUT, null, DEFAULT_REMOVE_ON_COMPLETE, DEFAULT_REMOVE_ON_FAIL);
    }

    public JobRequest withPriority(Priority p) {
        return new JobRequest(queue, type, payload, p, delay, attempts, backoff, timeout, idempotencyKey,
                removeOnComplete, removeOnFail);
    }

    public JobRequest withDelay(Duration d) {
        return new JobRequest(queue, type, payload, priority, d, attempts, backoff, timeout, idempotencyKey,
                removeOnComplete, removeOnFail);
    }

    public JobRequest withAttempts(int n, Duration firstBackoff) {
        return new JobRequest(queue, type, payload, priority, delay, n, firstBackoff, timeout, idempotencyKey,
                removeOnComplete, removeOnFail);
    }

    public JobRequest withTimeout(Duration t) {
        return new JobRequest(queue, type, payload, priority, delay, attempts, backoff, t, idempotencyKey,
                removeOnComplete, removeOnFail);
    }

    public JobRequest withIdempotencyKey(String key) {
        return new JobRequest(queue, type, payload, priority, delay, attempts, backoff, timeout, key,
                removeOnComplete, removeOnFail);
    }

    public JobRequest withRetention(int keepCompleted, int keepFailed) {
        return new JobRequest(queue, type, payload, priority, delay, attempts, backoff, timeout, idempotencyKey,
                keepCompleted, keepFailed);
    }
}
