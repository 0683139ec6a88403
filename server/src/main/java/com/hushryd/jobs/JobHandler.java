package com.hushryd.jobs;

/**
 * Runs jobs of one type. Called on a worker thread; may block. Returning completes the job; throwing fails this
 * attempt (it is retried with backoff while attempts remain). Jobs are delivered at least once, so a handler must
 * tolerate running again for the same job. A handler that runs past the job's timeout is interrupted.
 */
@FunctionalInterface
public interface JobHandler {
    void handle(JobContext job) throws Exception;
}
