package com.hushryd.uploads.local;

import java.util.ArrayDeque;

/**
 * A fixed number of slots handed out first come, first served: who finds none waits in line and is called when a
 * slot is handed over to it. Thread-safe; callbacks run on the releasing thread (they should just reschedule).
 */
final class Slots {
    private final int max;
    private final ArrayDeque<Runnable> line = new ArrayDeque<>();
    private int used;

    Slots(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("at least one slot");
        }
        this.max = max;
    }

    /** Takes a slot and returns true, or queues {@code whenGranted} (run once a slot is handed over) and returns false. */
    synchronized boolean acquireOrQueue(Runnable whenGranted) {
        if (used < max) {
            used++;
            return true;
        }
        line.add(whenGranted);
        return false;
    }

    /** Gives a slot back, or straight to the first in line. */
    void release() {
        Runnable next;
        synchronized (this) {
            next = line.poll();
            if (next == null) {
                used--;
            }
        }
        if (next != null) {
            next.run();
        }
    }

    synchronized int used() {
        return used;
    }

    synchronized int waiting() {
        return line.size();
    }
}
