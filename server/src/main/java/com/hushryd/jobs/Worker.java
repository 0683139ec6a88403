package com.hushryd.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the jobs of some queues in this process: per queue, a fetch loop leases due jobs while it has free slots (and
 * rate-limit tokens), a fixed pool of threads runs their handlers, a timer renews the leases of running jobs, and
 * another runs the queue's upkeep (stalled-job recovery, retention). A handler that overruns the job's timeout is
 * interrupted and its attempt counts as failed. {@link #close(Duration)} stops taking jobs, lets running ones finish
 * within the grace period, and releases the rest for other workers.
 */
public final class Worker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final JobQueue jobs;
    private final JobHandlers handlers;
    private final JobMetrics metrics;
    private final String workerId;
    private final Duration lease;
    private final RateGate gate;
    private final List<Runner> runners = new ArrayList<>();
    private final ScheduledExecutorService timer;
    private volatile boolean closed;

    public Worker(JobQueue jobs, JobHandlers handlers, List<QueueSettings> queues, Duration lease,
            JobMetrics metrics, String workerId) {
        this(jobs, handlers, queues, lease, metrics, workerId, null);
    }

    /**
     * @param gate the cluster-wide rate limits of rate-limited queues; null limits each queue per process only
     */
    public Worker(JobQueue jobs, JobHandlers handlers, List<QueueSettings> queues, Duration lease,
            JobMetrics metrics, String workerId, RateGate gate) {
        this.gate = gate;
        this.jobs = jobs;
        this.handlers = handlers;
        this.metrics = metrics;
        this.workerId = workerId;
        this.lease = lease;
        this.timer = Executors.newScheduledThreadPool(1, r -> {
            Thread t = new Thread(r, "job-timer");
            t.setDaemon(true);
            return t;
        });
        for (QueueSettings q : queues) {
            runners.add(new Runner(q));
        }
    }

    public Worker start() {
        for (Runner r : runners) {
            r.start();
        }
        return this;
    }

    /** The queues this worker runs. */
    public List<String> queues() {
        return runners.stream().map(r -> r.settings.queue()).toList();
    }

    /** Jobs this worker is running now, per queue. */
    public Map<String, Integer> active() {
        Map<String, Integer> m = new java.util.LinkedHashMap<>();
        runners.forEach(r -> m.put(r.settings.queue(), r.running.size()));
        return m;
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    /** Graceful stop: no new jobs; running ones get {@code grace} to finish, the rest are released. */
    public void close(Duration grace) {
        if (closed) {
            return;
        }
        closed = true;
        runners.forEach(Runner::stopFetching);
        long deadline = System.nanoTime() + grace.toNanos();
        for (Runner r : runners) {
            r.drain(Math.max(0, deadline - System.nanoTime()));
        }
        timer.shutdownNow();
        runners.forEach(Runner::closeSource);
    }

    /** One running attempt; settled exactly once, by the handler's end, its timeout or the shutdown. */
    private static final class Running {
        final Lease lease;
        final Instant startedAt = Instant.now();
        final long startNanos = System.nanoTime();
        final AtomicBoolean settled = new AtomicBoolean();
        volatile Thread thread;
        volatile ScheduledFuture<?> timeout;

        Running(Lease lease) {
            this.lease = lease;
        }
    }

    private final class Runner {
        final QueueSettings settings;
        final JobSource source;
        final ExecutorService pool;
        final Semaphore slots;
        final StartBucket limiter;
        final Map<java.util.UUID, Running> running = new ConcurrentHashMap<>();
        final Thread fetcher;
        final AtomicInteger threadNo = new AtomicInteger();
        volatile boolean fetching = true;

        Runner(QueueSettings settings) {
            this.settings = settings;
            this.source = jobs.source(settings.queue(), settings.concurrency());
            this.slots = new Semaphore(settings.concurrency());
            this.limiter = settings.ratePerMinute() > 0 && gate == null ? new StartBucket(settings.ratePerMinute())
                    : null;
            this.pool = Executors.newFixedThreadPool(settings.concurrency(), r -> {
                Thread t = new Thread(r, "job-" + settings.queue() + "-" + threadNo.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            this.fetcher = new Thread(this::fetchLoop, "job-fetch-" + settings.queue());
            fetcher.setDaemon(true);
        }

        void start() {
            fetcher.start();
            long renewEvery = Math.max(200, lease.toMillis() / 3);
            timer.scheduleWithFixedDelay(this::renew, renewEvery, renewEvery, TimeUnit.MILLISECONDS);
            long upkeepEvery = Math.max(500, lease.toMillis() / 2);
            timer.scheduleWithFixedDelay(this::upkeep, ThreadLocalRandom.current().nextLong(upkeepEvery),
                    upkeepEvery, TimeUnit.MILLISECONDS);
        }

        private void fetchLoop() {
            int failures = 0;
            while (fetching) {
                int permits = 0;
                int tokens = 0;
                try {
                    slots.acquire();
                    permits = 1 + slots.drainPermits();
                    tokens = limiter == null ? permits : limiter.acquire(permits);
                    int want = Math.min(permits, tokens);
                    List<Lease> leases = fetching ? source.take(want, JobQueue.IDLE_POLL) : List.of();
                    if (gate != null && settings.ratePerMinute() > 0 && !leases.isEmpty()) {
                        leases = withinLimit(leases);
                    }
                    failures = 0;
                    for (Lease l : leases) {
                        permits--;
                        tokens--;
                        Running r = new Running(l);
                        running.put(l.jobId(), r);
                        pool.execute(() -> run(r));
                    }
                } catch (InterruptedException e) {
                    if (!fetching) {
                        break;
                    }
                } catch (RuntimeException e) {
                    if (!fetching) {
                        break;
                    }
                    failures++;
                    log.warn("{}: cannot take jobs ({}); retrying", settings.queue(), e.getMessage());
                    try {
                        Thread.sleep(Math.min(5000, 250L * failures));
                    } catch (InterruptedException ie) {
                        // stopping
                    }
                } finally {
                    slots.release(Math.max(0, permits));
                    if (limiter != null && tokens > 0) {
                        limiter.giveBack(tokens);
                    }
                }
            }
        }

        /** Keeps the leases the queue's cluster-wide limit allows now and gives the rest back unstarted. */
        private List<Lease> withinLimit(List<Lease> leases) throws InterruptedException {
            int granted = gate.acquire(settings.queue(), leases.size(), settings.ratePerMinute());
            for (Lease extra : leases.subList(granted, leases.size())) {
                source.release(extra);
            }
            if (granted == 0) {
                // this window of the limit is used up, by this worker or by others: look again in a second
                Thread.sleep(1000);
            }
            return leases.subList(0, granted);
        }

        /** Runs a leased job, then each job its completion leased in the same round trip, in this slot. */
        private void run(Running first) {
            try {
                for (Running r = first; r != null; ) {
                    r = runOne(r);
                }
            } finally {
                slots.release();
            }
        }

        /** Runs one attempt and settles it; returns the next job to run in this slot, if its completion took one. */
        private Running runOne(Running r) {
            Lease l = r.lease;
            r.thread = Thread.currentThread();
            Running next = null;
            try {
                if (!fetching && closed) {
                    settleRelease(r);
                    return null;
                }
                r.timeout = timer.schedule(() -> timedOut(r), l.timeout().toMillis(), TimeUnit.MILLISECONDS);
                String error = null;
                try {
                    JobHandler handler = handlers.get(l.type()).orElseThrow(() -> new IllegalStateException(
                            "no handler for job type '" + l.type() + "' in worker " + workerId));
                    handler.handle(new JobContext(l.jobId(), l.queue(), l.type(), l.payload(), l.attempt(),
                            l.maxAttempts(), workerId));
                } catch (InterruptedException e) {
                    error = "interrupted";
                } catch (Exception | LinkageError | AssertionError e) {
                    error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                }
                r.timeout.cancel(false);
                if (r.settled.compareAndSet(false, true)) {
                    Lease taken = settle(r, error, chains());
                    if (taken != null) {
                        next = new Running(taken);
                        running.put(taken.jobId(), next);
                    }
                }
            } catch (RuntimeException e) {
                log.error("{}: job {} could not be settled ({}); its lease will expire and it will run again",
                        settings.queue(), l.jobId(), e.getMessage());
            } finally {
                Thread.interrupted();
                r.thread = null;
                running.remove(l.jobId());
            }
            return next;
        }

        /**
         * Whether a completion may lease the next job for its slot: not while stopping, and not on a rate-limited
         * queue (its starts go through the fetch loop's tokens).
         */
        private boolean chains() {
            return fetching && !closed && limiter == null && !(gate != null && settings.ratePerMinute() > 0);
        }

        private void settle(Running r, String error) {
            settle(r, error, false);
        }

        /** Settles the attempt; with {@code takeNext}, a completion also leases the next due job, returned. */
        private Lease settle(Running r, String error, boolean takeNext) {
            Lease l = r.lease;
            Attempt attempt = new Attempt(l.attempt(), workerId, r.startedAt, Instant.now(), error);
            long nanos = System.nanoTime() - r.startNanos;
            Lease next = null;
            if (error == null) {
                if (takeNext) {
                    List<Lease> taken = source.completeAndTake(l, attempt, 1);
                    next = taken.isEmpty() ? null : taken.get(0);
                } else {
                    source.complete(l, attempt);
                }
                metrics.attempt(settings.queue(), "completed", nanos);
            } else if (l.canRetry()) {
                source.retry(l, attempt, l.retryDelay());
                metrics.attempt(settings.queue(), "retried", nanos);
                log.info("{}: job {} ({}) attempt {}/{} failed: {}; retrying in {} ms", settings.queue(), l.jobId(),
                        l.type(), l.attempt(), l.maxAttempts(), error, l.retryDelay().toMillis());
            } else {
                source.fail(l, attempt);
                metrics.attempt(settings.queue(), "failed", nanos);
                log.warn("{}: job {} ({}) failed after {} attempt(s): {}", settings.queue(), l.jobId(), l.type(),
                        l.attempt(), error);
            }
            return next;
        }

        private void timedOut(Running r) {
            if (!r.settled.compareAndSet(false, true)) {
                return;
            }
            try {
                settle(r, "timed out after " + r.lease.timeout().toMillis() + " ms");
            } catch (RuntimeException e) {
                log.warn("{}: timed-out job {} not settled: {}", settings.queue(), r.lease.jobId(), e.getMessage());
            }
            Thread t = r.thread;
            if (t != null) {
                t.interrupt();
            }
        }

        private void settleRelease(Running r) {
            if (r.settled.compareAndSet(false, true)) {
                if (r.timeout != null) {
                    r.timeout.cancel(false);
                }
                try {
                    source.release(r.lease);
                } catch (RuntimeException e) {
                    log.warn("{}: job {} not released ({}); its lease will expire", settings.queue(),
                            r.lease.jobId(), e.getMessage());
                }
            }
        }

        private void renew() {
            try {
                List<Lease> leases = running.values().stream().filter(r -> !r.settled.get()).map(r -> r.lease)
                        .toList();
                source.extend(leases);
            } catch (RuntimeException e) {
                log.warn("{}: lease renewal failed: {}", settings.queue(), e.getMessage());
            }
        }

        private void upkeep() {
            try {
                source.maintain();
            } catch (RuntimeException e) {
                log.warn("{}: upkeep failed: {}", settings.queue(), e.getMessage());
            }
        }

        void stopFetching() {
            fetching = false;
            fetcher.interrupt();
            try {
                source.pause();
            } catch (RuntimeException e) {
                log.warn("{}: pausing the source failed: {}", settings.queue(), e.getMessage());
            }
        }

        void drain(long graceNanos) {
            try {
                fetcher.join(Math.max(1, Math.min(graceNanos / 1_000_000, 5000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            pool.shutdown();
            try {
                if (!pool.awaitTermination(graceNanos, TimeUnit.NANOSECONDS)) {
                    log.info("{}: {} job(s) still running after the grace period; releasing them", settings.queue(),
                            running.size());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (Running r : running.values()) {
                settleRelease(r);
            }
            pool.shutdownNow();
        }

        void closeSource() {
            source.close();
        }
    }
}
