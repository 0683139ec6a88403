package com.hushryd.jobs;

import java.util.UUID;

/**
 * The answer to an enqueue.
 *
 * @param queuePosition        waiting jobs that run before this one (same or higher priority), as counted at enqueue
 * @param estimatedWaitSeconds {@code queuePosition} divided by the queue's measured processing rate over the last
 *                             minutes, rounded up; null while no rate has been measured (no job completed lately)
 * @param duplicate            true when an earlier job with the same idempotency key was returned instead
 */
public record Enqueued(UUID jobId, long queuePosition, Long estimatedWaitSeconds, boolean duplicate) {
}
