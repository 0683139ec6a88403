package com.hushryd.jobs;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Durable job queues shared by every node and worker process of a cluster.
 *
 * <p><b>Guarantee: at-least-once.</b> A job whose {@code add} returned is eventually completed, or lands in the
 * failed set after its attempts are spent, whatever crashes in between (a worker killed mid-job, a node restarted):
 * a job whose worker stops renewing its lease is handed to another worker. A job may therefore run more than once,
 * so handlers must be idempotent. {@code add} inside a caller's transaction ({@link #add(Connection, JobRequest)})
 * takes effect if and only if that transaction commits.
 *
 * <p><b>Order.</b> Among due jobs of one queue, a higher {@link Priority} is always taken first; within a priority,
 * the job due first is taken first. With several workers, jobs run concurrently, so completion order is not
 * guaranteed.
 *
 * <p>Thread-safe. Every method blocks on the engine (call it from worker threads, never an event loop) and fails
 * with {@link JobQueueException} when the engine does not answer.
 */
public interface JobQueue extends AutoCloseable {
    /** Which engine holds the queues, for logs and health ("postgres", "redis", "rabbitmq"). */
    String backend();

    /** Enqueues a job durably: when this returns, the job survives a crash of any process. */
    Enqueued add(JobRequest job);

    /**
     * Enqueues a job as part of the caller's open PostgreSQL transaction: it exists (and runs) only if that
     * transaction commits. The position and estimate are as seen before the commit.
     */
    Enqueued add(Connection tx, JobRequest job) throws SQLException;

    /** A source a worker takes this queue's jobs from; {@code capacity} is how many it runs at once. */
    JobSource source(String queue, int capacity);

    /** Queues that have held a job, as the engine knows them. */
    Set<String> queues();

    QueueStats stats(String queue);

    /** The failed set of a queue, most recent first. */
    List<Job> failed(String queue, int limit);

    /** One job while it is retained; empty once completed-and-removed or unknown. */
    Optional<Job> job(String queue, UUID id);

    /**
     * Moves a job of the failed set back to waiting with a fresh set of attempts (its history is kept).
     *
     * @return false when no such job is in the failed set
     */
    boolean retry(String queue, UUID id);

    /** The measured rate turned into an estimate: null while nothing was measured. */
    static Long estimate(long position, double ratePerSecond) {
        if (ratePerSecond <= 0) {
            return position == 0 ? 0L : null;
        }
        return (long) Math.ceil(position / ratePerSecond);
    }

    /** How long a worker waits before it re-checks a quiet queue (delayed jobs becoming due, missed wake-ups). */
    Duration IDLE_POLL = Duration.ofSeconds(1);

    @Override
    void close();
}
