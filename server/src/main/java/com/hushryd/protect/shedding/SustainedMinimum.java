package com.hushryd.protect.shedding;

import java.util.ArrayDeque;

/**
 * The level a sampled signal has held for a whole window: the least of the samples taken within the window and of
 * the last one before it (the value the window began with). Until the samples cover a whole window it is 0, so a
 * node that has just started, or a signal that peaked for a moment (a late timer tick, a GC pause, JIT warm-up, a
 * burst the pool clears), never reads as overload. Not thread-safe: one sampler at a time.
 */
final class SustainedMinimum {
    private final long windowNanos;
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();

    SustainedMinimum(long windowNanos) {
        this.windowNanos = windowNanos;
    }

    void record(long nowNanos, long value) {
        samples.addLast(new long[] {nowNanos, value});
        long windowStart = nowNanos - windowNanos;
        // keep one sample at or before the window's start: it says what the signal was when the window began
        while (samples.size() > 1 && samplesAfterFirst(windowStart)) {
            samples.removeFirst();
        }
    }

    private boolean samplesAfterFirst(long windowStart) {
        var it = samples.iterator();
        it.next();
        return it.next()[0] <= windowStart;
    }

    long value() {
        if (samples.isEmpty() || samples.peekLast()[0] - samples.peekFirst()[0] < windowNanos) {
            return 0;
        }
        long least = Long.MAX_VALUE;
        for (long[] sample : samples) {
            least = Math.min(least, sample[1]);
        }
        return least;
    }
}
