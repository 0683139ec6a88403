package com.hushryd.jobs;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What producers (HTTP handlers, services) enqueue through: adds the job and turns the engine's answer into the
 * contract's {@code {jobId, queuePosition, estimatedWaitSeconds}}. A position beyond {@code QUEUE_DEPTH_WARN} marks
 * the receipt busy (the HTTP layer answers 202, seed 000 SCALE_001) and logs a scale-out warning, at most every
 * 30 s per queue.
 */
public final class JobProducer {
    private static final Logger log = LoggerFactory.getLogger(JobProducer.class);
    private static final long WARN_EVERY_NANOS = 30_000_000_000L;

    /**
     * @param busy the queue is deeper than the configured threshold
     */
    public record Receipt(UUID jobId, long queuePosition, Long estimatedWaitSeconds, @JsonIgnore boolean busy,
            @JsonIgnore boolean duplicate) {
    }

    private final JobQueue queue;
    private final long depthWarn;
    private final JobMetrics metrics;
    private final Map<String, Long> lastWarning = new ConcurrentHashMap<>();

    public JobProducer(JobQueue queue, long depthWarn, JobMetrics metrics) {
        this.queue = queue;
        this.depthWarn = depthWarn;
        this.metrics = metrics;
    }

    public JobQueue queue() {
        return queue;
    }

    public Receipt submit(JobRequest job) {
        return receipt(job.queue(), queue.add(job));
    }

    /** Enqueues in the caller's transaction: the job exists if and only if it commits. */
    public Receipt submit(Connection tx, JobRequest job) throws SQLException {
        return receipt(job.queue(), queue.add(tx, job));
    }

    private Receipt receipt(String name, Enqueued e) {
        metrics.enqueued(name);
        boolean busy = e.queuePosition() >= depthWarn;
        if (busy) {
            warnDepth(name, e.queuePosition(), depthWarn);
        }
        return new Receipt(e.jobId(), e.queuePosition(), e.estimatedWaitSeconds(), busy, e.duplicate());
    }

    /** Logs that a queue is deeper than the threshold, at most every 30 s per queue. */
    void warnDepth(String name, long depth, long threshold) {
        long now = System.nanoTime();
        Long last = lastWarning.get(name);
        if (last == null || now - last > WARN_EVERY_NANOS) {
            lastWarning.put(name, now);
            log.warn("queue {} depth {} is above QUEUE_DEPTH_WARN={}: scale out workers "
                    + "(./hushryd worker --queues {})", name, depth, threshold, name);
        }
    }
}
