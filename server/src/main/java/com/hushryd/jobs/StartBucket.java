package com.hushryd.jobs;

/**
 * A token bucket for job starts: {@code perMinute} tokens a minute, smoothed, holding at most one second's worth
 * (at least one token) so that a quiet minute does not turn into a burst.
 */
final class StartBucket {
    private final double perNano;
    private final double capacity;
    private double tokens;
    private long last;

    StartBucket(int perMinute) {
        this.perNano = perMinute / 60e9;
        this.capacity = Math.max(1.0, perMinute / 60.0);
        this.tokens = capacity;
        this.last = System.nanoTime();
    }

    /** Takes between 1 and {@code wanted} tokens, waiting for the first one. */
    synchronized int acquire(int wanted) throws InterruptedException {
        while (true) {
            refill();
            if (tokens >= 1) {
                int n = (int) Math.min(wanted, Math.floor(tokens));
                tokens -= n;
                return n;
            }
            long waitNanos = (long) Math.ceil((1 - tokens) / perNano);
            wait(Math.max(1, waitNanos / 1_000_000), (int) (waitNanos % 1_000_000));
        }
    }

    /** Gives back tokens that were not used (fewer jobs were due than were allowed). */
    synchronized void giveBack(int n) {
        refill();
        tokens = Math.min(capacity, tokens + n);
    }

    private void refill() {
        long now = System.nanoTime();
        tokens = Math.min(capacity, tokens + (now - last) * perNano);
        last = now;
    }
}
