package com.hushryd.jobs;

/**
 * Decides how many jobs of a rate-limited queue may start now. The limit is a queue's, not a worker's: every worker
 * of the cluster draws from the same window (like BullMQ's limiter: at most {@code max} starts per window).
 */
public interface RateGate {
    /**
     * Grants between 0 and {@code wanted} starts in the current window of the queue's limit.
     *
     * @return 0 when the window is used up (the caller waits and asks again)
     */
    int acquire(String queue, int wanted, int maxPerMinute);
}
