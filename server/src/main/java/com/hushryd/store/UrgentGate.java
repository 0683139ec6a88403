package com.hushryd.store;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lets urgent transactions (an SOS being written on the reserved pool) go first on a database shared with normal
 * work: while one runs, callers of the main pool may hold at most {@code yieldLimit} connections at once and the
 * others wait at this gate, so PostgreSQL's backends and the machine's cores serve the urgent transaction instead of
 * queueing it behind as many statements as the pool has connections (PostgreSQL has no priorities of its own).
 * Callers already holding a connection finish as usual. Thread-safe; the wait is bounded by the caller's deadline.
 */
final class UrgentGate {
    private final int yieldLimit;
    /** Main-pool callers past the gate; counted without the lock, so that no SOS costs a plain caller nothing. */
    private final AtomicInteger holding = new AtomicInteger();
    /** Urgent transactions running; written under the lock, read first without it. */
    private volatile int urgent;

    /** {@code yieldLimit} at or above the pool's size never holds anybody back. */
    UrgentGate(int yieldLimit) {
        this.yieldLimit = yieldLimit;
    }

    /**
     * Waits, until {@code deadlineNanos} at most, for a main-pool caller's turn; fails as a busy pool does (the 503
     * {@code DB_POOL_EXHAUSTED} of an exhausted pool) when the deadline passes first. Without an urgent transaction
     * running this is one atomic increment: a caller that passes just as one starts is one more caller "already
     * holding" that finishes as usual.
     */
    void enter(long deadlineNanos, String poolName) throws SQLException {
        if (urgent == 0) {
            holding.incrementAndGet();
            return;
        }
        synchronized (this) {
            while (urgent > 0 && holding.get() >= yieldLimit) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    throw new SQLTransientConnectionException(poolName + " - connection is not available: "
                            + "urgent transactions have been running for the whole pool timeout");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLTransientConnectionException(poolName + " - interrupted while waiting", (String) null,
                            e);
                }
            }
            holding.incrementAndGet();
        }
    }

    void exit() {
        holding.decrementAndGet();
        // a waiter checks holding under the lock before it waits, so taking the lock to notify after the decrement
        // cannot miss it
        if (urgent > 0) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    synchronized void urgentStarted() {
        urgent++;
    }

    synchronized void urgentEnded() {
        if (--urgent == 0) {
            notifyAll();
        }
    }

    int holding() {
        return holding.get();
    }
}
