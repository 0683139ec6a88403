package com.hushryd.jobs;

import java.time.Duration;

/** A wake-up call for waiting workers: read {@link #version()} before looking for work, then await a change. */
public final class Signal {
    private long version;

    public synchronized long version() {
        return version;
    }

    public synchronized void fire() {
        version++;
        notifyAll();
    }

    /** Waits until fired after {@code seen} was read, or {@code max} has passed. */
    public synchronized void await(long seen, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (version == seen) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
