package com.hushryd.jobs;

import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * Where one worker takes the jobs of one queue from, and reports how they went. Thread-safe: the worker's fetch
 * loop, its job threads and its maintenance timer call it concurrently.
 *
 * <p>Every method but {@link #take} returns quickly and never throws for a lost lease: a settlement whose lease
 * expired (another worker has the job now) is ignored, because at-least-once delivery already let the job run again.
 * Engine failures surface as {@link JobQueueException}.
 */
public interface JobSource extends AutoCloseable {
    /**
     * Leases up to {@code max} jobs that are due, highest priority first, then oldest first; waits up to
     * {@code wait} for one to arrive when none is due. Returns an empty list when the wait ends empty-handed.
     */
    List<Lease> take(int max, Duration wait) throws InterruptedException;

    /** The attempt succeeded: the job is done (kept or removed according to {@code removeOnComplete}). */
    void complete(Lease lease, Attempt attempt);

    /**
     * {@link #complete}, then, in the same round trip, leases up to {@code max} jobs that are due now (never
     * waiting): a worker whose job ended takes over its freed slot, as BullMQ's {@code moveToFinished} fetches the
     * next job. Returns the leases taken, none when nothing is due. The default only completes: backends without a
     * combined operation leave taking to the worker's fetch loop.
     */
    default List<Lease> completeAndTake(Lease lease, Attempt attempt, int max) {
        complete(lease, attempt);
        return List.of();
    }

    /** The attempt failed and attempts remain: the job runs again after {@code delay}. */
    void retry(Lease lease, Attempt attempt, Duration delay);

    /** The attempt failed and none remain: the job moves to the failed set with its error and history. */
    void fail(Lease lease, Attempt attempt);

    /** The worker stops without running the job: it becomes waiting again and the attempt is not counted. */
    void release(Lease lease);

    /** Renews the leases of jobs still running, so that they are not taken for stalled. */
    void extend(Collection<Lease> leases);

    /**
     * Periodic upkeep that any worker may run at any time, also concurrently with others: jobs whose lease expired
     * (their worker crashed or hangs) are retried or failed, and retention limits are applied.
     */
    void maintain();

    /** The worker takes no more jobs: stop fetching ahead for it (jobs it holds are still settled afterwards). */
    default void pause() {
    }

    /** Ends the source; jobs fetched ahead but never handed out go back to the queue without spending an attempt. */
    @Override
    void close();
}
