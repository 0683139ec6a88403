package com.hushryd.jobs;

import java.time.Duration;
import java.util.Collection;
import java.util.List;

/** A {@link JobSource} that forwards every call to another: tests override the calls they observe. */
public class ForwardingJobSource implements JobSource {
    private final JobSource delegate;

    public ForwardingJobSource(JobSource delegate) {
        this.delegate = delegate;
    }

    @Override
    public List<Lease> take(int max, Duration wait) throws InterruptedException {
        return delegate.take(max, wait);
    }

    @Override
    public void complete(Lease lease, Attempt attempt) {
        delegate.complete(lease, attempt);
    }

    @Override
    public List<Lease> completeAndTake(Lease lease, Attempt attempt, int max) {
        return delegate.completeAndTake(lease, attempt, max);
    }

    @Override
    public void retry(Lease lease, Attempt attempt, Duration delay) {
        delegate.retry(lease, attempt, delay);
    }

    @Override
    public void fail(Lease lease, Attempt attempt) {
        delegate.fail(lease, attempt);
    }

    @Override
    public void release(Lease lease) {
        delegate.release(lease);
    }

    @Override
    public void extend(Collection<Lease> leases) {
        delegate.extend(leases);
    }

    @Override
    public void maintain() {
        delegate.maintain();
    }

    @Override
    public void pause() {
        delegate.pause();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
