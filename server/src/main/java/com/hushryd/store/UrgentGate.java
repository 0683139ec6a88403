package com.hushryd.store;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.TimeUnit;

/**
 * Lets urgent transactions (an SOS being written on the reserved pool) go first on a database shared with normal
 * work: while one runs, callers of the main pool may hold at most {@code yieldLimit} connections at once and the
 * others wait at this gate, so PostgreSQL's backends and the machine's cores serve the urgent transaction instead of
 * queueing it behind as many statements as the pool has connections (PostgreSQL has no priorities of its own).
 * Callers already holding a connection finish as usual. Thread-safe; the wait is bounded by the caller's deadline.
 */
final class UrgentGate {
    private final int yieldLimit;
    private int holding;
    private int urgent;

    /** {@code yieldLimit} at or above the pool's size never holds anybody back. */
    UrgentGate(int yieldLimit) {
        this.yieldLimit = yieldLimit;
    }

    /**
     * Waits, until {@code deadlineNanos} at most, for a main-pool caller's turn; fails as a busy pool does (the 503
     * {@code DB_POOL_EXHAUSTED} of an exhausted pool) when the deadline passes first.
     */
    synchronized void enter(long deadlineNanos, String poolName) throws SQLException {
        while (urgent > 0 && holding >= yieldLimit) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw new SQLTransientConnectionException(poolName + " - connection is not available: "
                        + "urgent transactions have been running for the whole pool timeout");
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLTransientConnectionException(poolName + " - interrupted while waiting", (String) null, e);
            }
        }
        holding++;
    }

    synchronized void exit() {
        holding--;
        if (urgent > 0) {
            notifyAll();
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

    synchronized int holding() {
        return holding;
    }
}
