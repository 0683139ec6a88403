package com.hushryd.jobs;

import java.time.Instant;

/**
 * One try of a job, as kept in its history.
 *
 * @param error null when the attempt completed the job
 */
public record Attempt(int attempt, String worker, Instant startedAt, Instant finishedAt, String error) {
}
