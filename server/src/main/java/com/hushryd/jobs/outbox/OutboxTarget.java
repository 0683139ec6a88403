package com.hushryd.jobs.outbox;

import com.hushryd.jobs.JobRequest;
import java.util.UUID;

/** An engine the outbox relay delivers committed jobs to. */
public interface OutboxTarget {
    /**
     * Stores the job under this id durably (confirmed by the engine) before returning; throws if it could not.
     * Delivering the same id again after a crash must not create a second job where the engine can tell.
     */
    void deliver(UUID jobId, JobRequest job);
}
