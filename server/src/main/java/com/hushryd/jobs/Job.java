package com.hushryd.jobs;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A job as an operator sees it (admin listings).
 *
 * @param attempts  attempts started so far
 * @param lastError the error of the latest failed attempt, or null
 * @param history   every finished attempt, oldest first
 */
public record Job(UUID id, String queue, String type, String payload, Priority priority, JobState state,
        int attempts, int maxAttempts, Instant createdAt, Instant finishedAt, String lastError,
        List<Attempt> history) {
    public Job {
        history = List.copyOf(history);
    }
}
