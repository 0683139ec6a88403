package com.hushryd.jobs;

/**
 * How one worker process runs one queue.
 *
 * @param concurrency   jobs this process runs at once
 * @param ratePerMinute most jobs of the queue started per minute, by all workers together when the worker has a
 *                      {@link RateGate} (as in a node), else by this process; 0 for no limit
 */
public record QueueSettings(String queue, int concurrency, int ratePerMinute) {
    public QueueSettings {
        if (!JobRequest.validName(queue)) {
            throw new IllegalArgumentException("bad queue name '" + queue + "'");
        }
        if (concurrency < 1 || concurrency > 1024) {
            throw new IllegalArgumentException(queue + ": concurrency must be between 1 and 1024");
        }
        if (ratePerMinute < 0) {
            throw new IllegalArgumentException(queue + ": rate must not be negative");
        }
    }
}
