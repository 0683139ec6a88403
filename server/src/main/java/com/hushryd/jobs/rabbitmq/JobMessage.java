package com.hushryd.jobs.rabbitmq;

import com.hushryd.jobs.Attempt;
import com.hushryd.jobs.JobRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A job as a RabbitMQ message body. Messages are immutable, so every change of state (a retry, a manual retry) is a
 * new message published with publisher confirms before the old one is acknowledged.
 *
 * @param attempts attempts spent so far
 * @param runAt    epoch ms before which the job must not run (delayed jobs and retries bounce through delay queues)
 */
record JobMessage(UUID id, String queue, String type, String payload, int priority, int attempts, int maxAttempts,
        long backoffMs, long timeoutMs, int removeOnComplete, int removeOnFail, long runAt, long createdAt,
        List<Attempt> history, String lastError) {
    JobMessage {
        history = history == null ? List.of() : List.copyOf(history);
    }

    static JobMessage of(UUID id, JobRequest job, long now) {
        return new JobMessage(id, job.queue(), job.type(), job.payload(), job.priority().rank(), 0, job.attempts(),
                job.backoff().toMillis(), job.timeout().toMillis(), job.removeOnComplete(), job.removeOnFail(),
                now + job.delay().toMillis(), now, List.of(), null);
    }

    /** After a failed (or crashed) attempt: one more attempt spent, due at {@code runAt}. */
    JobMessage after(Attempt attempt, long runAt) {
        List<Attempt> h = new ArrayList<>(history);
        h.add(attempt);
        return new JobMessage(id, queue, type, payload, priority, attempts + 1, maxAttempts, backoffMs, timeoutMs,
                removeOnComplete, removeOnFail, runAt, createdAt, h, attempt.error());
    }

    /** A manual retry: fresh attempts, history kept. */
    JobMessage fresh(long now) {
        return new JobMessage(id, queue, type, payload, priority, 0, maxAttempts, backoffMs, timeoutMs,
                removeOnComplete, removeOnFail, now, createdAt, history, lastError);
    }
}
