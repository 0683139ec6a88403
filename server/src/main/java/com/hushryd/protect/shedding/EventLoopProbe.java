package com.hushryd.protect.shedding;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Measures event-loop lag: a timer on every event loop every {@code PERIOD_MS}; how late it fires is how long a
 * request's callback waits behind other work on that loop. A loop's lag is the smallest of its last
 * {@code SAMPLES} readings, so one pause (a GC, a descheduled thread) does not count as overload, only lag that
 * lasts; reports the largest lag over the loops.
 */
public final class EventLoopProbe implements AutoCloseable {
    static final long PERIOD_MS = 100;
    static final int SAMPLES = 3;

    private final List<ScheduledFuture<?>> timers = new ArrayList<>();
    private final long[][] readings;
    private final LongConsumer report;

    public EventLoopProbe(Vertx vertx, LongConsumer report) {
        this.report = report;
        List<EventExecutor> loops = new ArrayList<>();
        ((VertxInternal) vertx).nettyEventLoopGroup().forEach(loops::add);
        this.readings = new long[loops.size()][SAMPLES];
        for (int i = 0; i < loops.size(); i++) {
            arm(loops.get(i), i, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PERIOD_MS));
        }
    }

    private void arm(EventExecutor loop, int index, long due) {
        long delay = Math.max(0, due - System.nanoTime());
        synchronized (timers) {
            timers.add(loop.schedule(() -> {
                long now = System.nanoTime();
                long[] mine = readings[index];
                System.arraycopy(mine, 0, mine, 1, SAMPLES - 1);
                mine[0] = TimeUnit.NANOSECONDS.toMillis(Math.max(0, now - due));
                long max = 0;
                for (long[] other : readings) {
                    long sustained = Long.MAX_VALUE;
                    for (long l : other) {
                        sustained = Math.min(sustained, l);
                    }
                    max = Math.max(max, sustained);
                }
                report.accept(max);
                arm(loop, index, now + TimeUnit.MILLISECONDS.toNanos(PERIOD_MS));
            }, delay, TimeUnit.NANOSECONDS));
            if (timers.size() > 4 * readings.length) {
                timers.removeIf(java.util.concurrent.Future::isDone);
            }
        }
    }

    @Override
    public void close() {
        synchronized (timers) {
            timers.forEach(t -> t.cancel(false));
            timers.clear();
        }
    }
}
