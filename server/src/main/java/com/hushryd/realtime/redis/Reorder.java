package com.hushryd.realtime.redis;

import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Puts numbered broadcasts that come from different Redis Cluster shards back in offset order before a node's sockets
 * see them: each waits {@link #HOLD_MILLIS} after its arrival and leaves in offset order, so one published on
 * another shard a little earlier (a lower offset) but arriving a little later is not taken for a duplicate by a
 * socket that already wrote a higher offset. See decision 0072. Thread-safe.
 */
final class Reorder implements AutoCloseable {
    /** How late (after a higher offset) a lower offset may arrive and still be delivered in order. */
    static final long HOLD_MILLIS = 20;

    private record Waiting(RedisBroker.NumberedMessage message, long arrivedNanos) {
    }

    private final PriorityQueue<Waiting> queue = new PriorityQueue<>(
            Comparator.comparingLong(w -> w.message().offset()));
    private final Consumer<RedisBroker.NumberedMessage> out;
    private final ScheduledExecutorService ticker;

    Reorder(Consumer<RedisBroker.NumberedMessage> out) {
        this.out = out;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hushryd-broker-reorder");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(this::release, HOLD_MILLIS / 4, HOLD_MILLIS / 4, TimeUnit.MILLISECONDS);
    }

    void add(RedisBroker.NumberedMessage m) {
        synchronized (queue) {
            queue.add(new Waiting(m, System.nanoTime()));
        }
    }

    private void release() {
        long due = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(HOLD_MILLIS);
        while (true) {
            RedisBroker.NumberedMessage m;
            synchronized (queue) {
                Waiting head = queue.peek();
                if (head == null || head.arrivedNanos() > due) {
                    return;
                }
                m = queue.poll().message();
            }
            out.accept(m);
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
