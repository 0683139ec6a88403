package com.hushryd.jobs;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every queue's counts every few seconds: feeds the metrics gauges and logs the scale-out warning when a
 * queue's waiting jobs exceed {@code QUEUE_DEPTH_WARN} (seed 000's auto-scale check).
 */
public final class QueueMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueueMonitor.class);

    private final JobQueue queue;
    private final List<String> builtIn;
    private final JobProducer producer;
    private final long depthWarn;
    private final JobMetrics metrics;
    private final Map<String, QueueStats> latest = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "queue-monitor");
        t.setDaemon(true);
        return t;
    });

    public QueueMonitor(JobQueue queue, List<String> builtIn, JobProducer producer, long depthWarn,
            JobMetrics metrics) {
        this.queue = queue;
        this.builtIn = List.copyOf(builtIn);
        this.producer = producer;
        this.depthWarn = depthWarn;
        this.metrics = metrics;
    }

    public QueueMonitor start() {
        timer.scheduleWithFixedDelay(this::refresh, 1, 5, TimeUnit.SECONDS);
        return this;
    }

    /** The built-in queues and every queue the engine knows. */
    public Set<String> names() {
        Set<String> all = new TreeSet<>(builtIn);
        all.addAll(queue.queues());
        return all;
    }

    private void refresh() {
        try {
            for (String name : names()) {
                QueueStats s = queue.stats(name);
                latest.put(name, s);
                metrics.observe(s);
                if (s.waiting() > depthWarn) {
                    producer.warnDepth(name, s.waiting(), depthWarn);
                }
            }
        } catch (RuntimeException e) {
            log.warn("queue statistics not refreshed: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
