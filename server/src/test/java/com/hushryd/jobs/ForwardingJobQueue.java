package com.hushryd.jobs;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** A {@link JobQueue} that forwards every call to another: tests override the calls they observe. */
public class ForwardingJobQueue implements JobQueue {
    private final JobQueue delegate;

    public ForwardingJobQueue(JobQueue delegate) {
        this.delegate = delegate;
    }

    @Override
    public String backend() {
        return delegate.backend();
    }

    @Override
    public Enqueued add(JobRequest job) {
        return delegate.add(job);
    }

    @Override
    public Enqueued add(Connection tx, JobRequest job) throws SQLException {
        return delegate.add(tx, job);
    }

    @Override
    public JobSource source(String queue, int capacity) {
        return delegate.source(queue, capacity);
    }

    @Override
    public Set<String> queues() {
        return delegate.queues();
    }

    @Override
    public QueueStats stats(String queue) {
        return delegate.stats(queue);
    }

    @Override
    public List<Job> failed(String queue, int limit) {
        return delegate.failed(queue, limit);
    }

    @Override
    public Optional<Job> job(String queue, UUID id) {
        return delegate.job(queue, id);
    }

    @Override
    public boolean retry(String queue, UUID id) {
        return delegate.retry(queue, id);
    }

    /** Does not close the queue forwarded to: it belongs to whoever made it. */
    @Override
    public void close() {
    }
}
