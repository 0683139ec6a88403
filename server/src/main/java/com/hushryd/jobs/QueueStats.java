package com.hushryd.jobs;

/**
 * Counts of one queue across the whole cluster.
 *
 * @param waiting         jobs ready to run now
 * @param active          jobs a worker is running
 * @param delayed         jobs waiting for their time (delayed jobs and retries in backoff)
 * @param completed       jobs completed in the last 24 hours
 * @param failed          jobs in the failed set (attempts exhausted), as retained
 * @param ratePerSecond   jobs completed per second over the last {@link #RATE_WINDOW_SECONDS} seconds
 */
public record QueueStats(String queue, long waiting, long active, long delayed, long completed, long failed,
        double ratePerSecond) {
    public static final int RATE_WINDOW_SECONDS = 120;
}
