package com.hushryd.jobs;

/** Receives what happens in the queues; bound to Micrometer in {@code ops}. */
public interface JobMetrics {
    JobMetrics NONE = new JobMetrics() {
    };

    default void enqueued(String queue) {
    }

    /** An attempt finished; {@code outcome} is completed, retried or failed (attempts exhausted). */
    default void attempt(String queue, String outcome, long durationNanos) {
    }

    /** The latest counts of a queue, refreshed periodically. */
    default void observe(QueueStats stats) {
    }
}
