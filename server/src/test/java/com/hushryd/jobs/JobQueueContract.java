package com.hushryd.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.store.Database;
import com.hushryd.store.Jdbc;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link JobQueue} backend passes (JobRunr's StorageProviderTest style): each backend's test is a
 * subclass that only supplies the instance, against a real engine.
 */
public abstract class JobQueueContract {
    protected static final Duration LEASE = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(20);
    /**
     * How long after its settlement a job that ran once must still not run again. A settlement the engine lost leaves
     * the job leased until its lease expires; the next upkeep of any worker (every half lease, at least 500 ms) then
     * hands it out again. Looking for longer than both, with margin, is what lets "exactly once" fail.
     */
    private static final Duration REDELIVERY_WINDOW = LEASE.multipliedBy(2).plusMillis(500);

    /** A queue backend over its real engine; PostgreSQL {@link #database()} is the same the backend uses. */
    protected abstract JobQueue queue();

    protected abstract Database database();

    /** Simulates the crash of the worker that holds these leases: they must come back to another worker. */
    protected void crash(JobSource holder) {
        // lease-based backends: the holder simply stops renewing; its lease expires
    }

    /**
     * Whether the queue's own store (not the worker) records every one of these jobs as completed, i.e. their
     * settlement happened. Backends that keep completed jobs answer from the job; RabbitMQ, which drops a job when
     * its delivery is acknowledged, overrides this with its counters.
     */
    protected boolean settledAsCompleted(List<UUID> ids) {
        return ids.stream().allMatch(id -> queue().job(q, id).map(j -> j.state() == JobState.COMPLETED)
                .orElse(false));
    }

    /**
     * Exactly once, checked where duplicates live: first every job must be settled as completed in the queue's
     * store, then for longer than a lease plus an upkeep round no job may run again ({@code runs} only changes when a
     * handler runs).
     */
    protected void assertEachRanOnceAndStaysSettled(List<UUID> ids, Map<UUID, AtomicInteger> runs) {
        await().atMost(WAIT).until(() -> settledAsCompleted(ids));
        await().during(REDELIVERY_WINDOW).atMost(WAIT.plus(REDELIVERY_WINDOW)).untilAsserted(() -> {
            assertThat(runs.keySet()).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(runs.values()).as("runs per job").allSatisfy(c -> assertThat(c.get()).isEqualTo(1));
        });
    }

    /** Whether the engine can count waiting jobs per priority (RabbitMQ cannot: it reports the whole count). */
    protected boolean positionCountsPriority() {
        return true;
    }

    protected String q;
    private final List<Worker> workers = new ArrayList<>();
    private final List<JobSource> sources = new ArrayList<>();

    @BeforeEach
    void newQueue() {
        q = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    @AfterEach
    void stopWorkers() {
        workers.forEach(w -> w.close(Duration.ofMillis(200)));
        sources.forEach(JobSource::close);
    }

    protected Worker worker(JobHandlers handlers, int concurrency) {
        Worker w = new Worker(queue(), handlers, List.of(new QueueSettings(q, concurrency, 0)), LEASE,
                JobMetrics.NONE, "w" + workers.size()).start();
        workers.add(w);
        return w;
    }

    protected JobSource source(int capacity) {
        JobSource s = queue().source(q, capacity);
        sources.add(s);
        return s;
    }

    protected JobRequest job(String payload) {
        return JobRequest.of(q, "test", payload).withAttempts(3, Duration.ofMillis(50));
    }

    private static List<Lease> takeAtLeast(JobSource s, int n) {
        List<Lease> got = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            got.addAll(s.take(n - got.size(), Duration.ofMillis(200)));
            return got.size() >= n;
        });
        return got;
    }

    @Test
    void add_thenWorker_runsTheJobOnceWithItsPayload() {
        Map<UUID, String> seen = new ConcurrentHashMap<>();
        Map<UUID, AtomicInteger> runs = new ConcurrentHashMap<>();
        Enqueued e = queue().add(job("{\"tripId\":\"abc\",\"n\":7}"));
        worker(new JobHandlers().register("test", ctx -> {
            seen.put(ctx.jobId(), ctx.payload());
            runs.computeIfAbsent(ctx.jobId(), k -> new AtomicInteger()).incrementAndGet();
        }), 2);
        await().atMost(WAIT).until(() -> seen.containsKey(e.jobId()));
        assertThat(JobJson.read(seen.get(e.jobId()), Map.class)).isEqualTo(Map.of("tripId", "abc", "n", 7));
        assertThat(e.duplicate()).isFalse();
        assertEachRanOnceAndStaysSettled(List.of(e.jobId()), runs);
    }

    @Test
    void criticalJob_isTakenBeforeWaitingNormalOnes() {
        for (int i = 0; i < 5; i++) {
            queue().add(job("{\"i\":" + i + "}"));
        }
        queue().add(job("{\"high\":true}").withPriority(Priority.HIGH));
        Enqueued critical = queue().add(job("{\"critical\":true}").withPriority(Priority.CRITICAL));
        if (positionCountsPriority()) {
            assertThat(critical.queuePosition()).as("nothing runs before a critical job").isZero();
        } else {
            assertThat(critical.queuePosition()).isBetween(0L, 6L);
        }
        JobSource s = source(1);
        Lease first = takeAtLeast(s, 1).get(0);
        assertThat(first.jobId()).isEqualTo(critical.jobId());
        assertThat(first.priority()).isEqualTo(Priority.CRITICAL);
        s.complete(first, new Attempt(1, "t", java.time.Instant.now(), java.time.Instant.now(), null));
        Lease second = takeAtLeast(s, 1).get(0);
        assertThat(second.priority()).isEqualTo(Priority.HIGH);
    }

    /** Whether {@link JobSource#completeAndTake} leases the next job itself (else it only completes). */
    protected boolean takesOnCompletion() {
        return false;
    }

    @Test
    void completeAndTake_completesTheJob_andLeasesTheNextDueOneInOrder() {
        Enqueued normal = queue().add(job("{\"n\":1}"));
        Enqueued high = queue().add(job("{\"n\":3}").withPriority(Priority.HIGH));
        Enqueued critical = queue().add(job("{\"n\":4}").withPriority(Priority.CRITICAL));
        JobSource s = source(1);
        Lease first = takeAtLeast(s, 1).get(0);
        assertThat(first.jobId()).isEqualTo(critical.jobId());
        Instant now = Instant.now();
        List<Lease> next = s.completeAndTake(first, new Attempt(1, "t", now, now, null), 1);
        if (takesOnCompletion()) {
            assertThat(next).extracting(Lease::jobId).containsExactly(high.jobId());
            assertThat(next.get(0).attempt()).isEqualTo(1);
            assertThat(JobJson.read(next.get(0).payload(), Map.class)).isEqualTo(Map.of("n", 3));
        } else {
            assertThat(next).isEmpty();
            next = takeAtLeast(s, 1);
            assertThat(next).extracting(Lease::jobId).containsExactly(high.jobId());
        }
        // what it leased is a lease like take's: completing it works, and the queue goes on in order
        List<Lease> after = s.completeAndTake(next.get(0), new Attempt(1, "t", now, now, null), 1);
        if (after.isEmpty()) {
            after = takeAtLeast(s, 1);
        }
        assertThat(after).extracting(Lease::jobId).containsExactly(normal.jobId());
        // nothing else is due: the last completion leases nothing, and all three are completed
        assertThat(s.completeAndTake(after.get(0), new Attempt(1, "t", now, now, null), 1)).isEmpty();
        await().atMost(WAIT).until(() -> settledAsCompleted(List.of(critical.jobId(), high.jobId(),
                normal.jobId())));
    }

    /**
     * A worker of concurrency 1 with jobs waiting takes each next job with the completion of the one before (one round
     * trip per job, not a take and a settle): counted on the sources the worker is given.
     */
    @Test
    void workerWithJobsWaiting_takesEachNextJobWithTheCompletion() {
        Assumptions.assumeTrue(takesOnCompletion(), "this backend's completion does not take");
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            ids.add(queue().add(job("{\"i\":" + i + "}")).jobId());
        }
        AtomicInteger takes = new AtomicInteger();
        AtomicInteger chained = new AtomicInteger();
        JobQueue counting = new ForwardingJobQueue(queue()) {
            @Override
            public JobSource source(String name, int capacity) {
                return new ForwardingJobSource(queue().source(name, capacity)) {
                    @Override
                    public List<Lease> take(int max, Duration wait) throws InterruptedException {
                        List<Lease> got = super.take(max, wait);
                        takes.addAndGet(got.isEmpty() ? 0 : 1);
                        return got;
                    }

                    @Override
                    public List<Lease> completeAndTake(Lease lease, Attempt attempt, int max) {
                        List<Lease> got = super.completeAndTake(lease, attempt, max);
                        chained.addAndGet(got.size());
                        return got;
                    }
                };
            }
        };
        Map<UUID, AtomicInteger> runs = new ConcurrentHashMap<>();
        Worker w = new Worker(counting, new JobHandlers().register("test",
                ctx -> runs.computeIfAbsent(ctx.jobId(), k -> new AtomicInteger()).incrementAndGet()),
                List.of(new QueueSettings(q, 1, 0)), LEASE, JobMetrics.NONE, "chain").start();
        try {
            assertEachRanOnceAndStaysSettled(ids, runs);
            assertThat(takes.get()).as("jobs leased by a take (the first, then none while jobs wait)").isOne();
            assertThat(chained.get()).as("jobs leased with a completion").isEqualTo(29);
        } finally {
            w.close(Duration.ofMillis(200));
        }
    }

    @Test
    void queuePosition_countsJobsAheadOfTheNewOne() {
        assertThat(queue().add(job("{}")).queuePosition()).isZero();
        assertThat(queue().add(job("{}")).queuePosition()).isEqualTo(1);
        assertThat(queue().add(job("{}")).queuePosition()).isEqualTo(2);
        await().atMost(WAIT).until(() -> queue().stats(q).waiting() == 3);
    }

    @Test
    void delayedJob_isNotTakenBeforeItsTime_thenRuns() {
        Enqueued e = queue().add(job("{}").withDelay(Duration.ofSeconds(2)));
        JobSource s = source(1);
        assertThat(quietly(() -> s.take(1, Duration.ofMillis(300)))).isEmpty();
        assertThat(queue().stats(q).delayed()).isEqualTo(1);
        Lease l = takeAtLeast(s, 1).get(0);
        assertThat(l.jobId()).isEqualTo(e.jobId());
        assertThat(l.attempt()).isEqualTo(1);
    }

    @Test
    void failingHandler_isRetriedWithBackoff_thenLandsInTheFailedSetWithItsHistory() {
        Enqueued e = queue().add(job("{}"));
        AtomicInteger calls = new AtomicInteger();
        worker(new JobHandlers().register("test", ctx -> {
            calls.incrementAndGet();
            throw new IllegalStateException("vendor said no (attempt " + ctx.attempt() + ")");
        }), 1);
        await().atMost(WAIT).until(() -> !queue().failed(q, 10).isEmpty());
        Job failed = queue().failed(q, 10).get(0);
        assertThat(failed.id()).isEqualTo(e.jobId());
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.lastError()).contains("vendor said no (attempt 3)");
        assertThat(failed.history()).extracting(Attempt::attempt).containsExactly(1, 2, 3);
        assertThat(failed.history()).allSatisfy(a -> assertThat(a.error()).contains("vendor said no"));
        assertThat(calls.get()).isEqualTo(3);
        await().atMost(WAIT).until(() -> queue().stats(q).failed() == 1);
    }

    @Test
    void handlerFailingOnce_completesOnTheSecondAttempt() {
        Enqueued e = queue().add(job("{}"));
        List<Integer> attempts = new java.util.concurrent.CopyOnWriteArrayList<>();
        Map<UUID, AtomicInteger> completions = new ConcurrentHashMap<>();
        worker(new JobHandlers().register("test", ctx -> {
            attempts.add(ctx.attempt());
            if (ctx.attempt() == 1) {
                throw new RuntimeException("transient");
            }
            completions.computeIfAbsent(ctx.jobId(), k -> new AtomicInteger()).incrementAndGet();
        }), 1);
        assertEachRanOnceAndStaysSettled(List.of(e.jobId()), completions);
        assertThat(attempts).as("one failed attempt, one that completed, nothing after").containsExactly(1, 2);
        assertThat(queue().failed(q, 10)).isEmpty();
    }

    @Test
    void manualRetry_ofAFailedJob_runsItAgainWithFreshAttempts() {
        Enqueued e = queue().add(job("{}").withAttempts(1, Duration.ZERO));
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        worker(new JobHandlers().register("test", ctx -> {
            if (calls.incrementAndGet() == 1) {
                throw new RuntimeException("first call fails");
            }
            assertThat(ctx.attempt()).isEqualTo(1);
            done.countDown();
        }), 1);
        await().atMost(WAIT).until(() -> queue().stats(q).failed() == 1);
        assertThat(queue().retry(q, UUID.randomUUID())).as("unknown job").isFalse();
        assertThat(queue().retry(q, e.jobId())).isTrue();
        await().atMost(WAIT).until(() -> done.getCount() == 0);
        await().atMost(WAIT).until(() -> queue().failed(q, 10).isEmpty());
        assertThat(queue().retry(q, e.jobId())).as("no longer failed").isFalse();
    }

    @Test
    void idempotencyKey_secondAdd_returnsTheFirstJob_andItRunsOnce() {
        Enqueued first = queue().add(job("{}").withIdempotencyKey("booking-42"));
        Enqueued second = queue().add(job("{}").withIdempotencyKey("booking-42"));
        Enqueued other = queue().add(job("{}").withIdempotencyKey("booking-43"));
        assertThat(second.jobId()).isEqualTo(first.jobId());
        assertThat(second.duplicate()).isTrue();
        assertThat(other.jobId()).isNotEqualTo(first.jobId());
        Map<UUID, AtomicInteger> runs = new ConcurrentHashMap<>();
        worker(new JobHandlers().register("test", ctx ->
                runs.computeIfAbsent(ctx.jobId(), k -> new AtomicInteger()).incrementAndGet()), 2);
        assertEachRanOnceAndStaysSettled(List.of(first.jobId(), other.jobId()), runs);
    }

    @Test
    void jobExceedingItsTimeout_isInterruptedAndRetried() {
        queue().add(job("{}").withTimeout(Duration.ofMillis(300)));
        Map<Integer, String> outcome = new ConcurrentHashMap<>();
        worker(new JobHandlers().register("test", ctx -> {
            if (ctx.attempt() == 1) {
                try {
                    Thread.sleep(30_000);
                    outcome.put(1, "slept");
                } catch (InterruptedException e) {
                    outcome.put(1, "interrupted");
                    throw e;
                }
            } else {
                outcome.put(ctx.attempt(), "ran");
            }
        }), 1);
        await().atMost(WAIT).until(() -> "ran".equals(outcome.get(2)));
        assertThat(outcome.get(1)).isEqualTo("interrupted");
    }

    @Test
    void jobOfACrashedWorker_isHandedToAnotherWorker() {
        Enqueued e = queue().add(job("{}"));
        JobSource crashed = queue().source(q, 1);
        Lease held = takeAtLeast(crashed, 1).get(0);
        assertThat(held.attempt()).isEqualTo(1);
        crash(crashed);
        JobSource survivor = source(1);
        List<Lease> again = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            survivor.maintain();
            again.addAll(survivor.take(1, Duration.ofMillis(200)));
            return !again.isEmpty();
        });
        assertThat(again.get(0).jobId()).isEqualTo(e.jobId());
        assertThat(again.get(0).attempt()).as("the crashed attempt counts").isEqualTo(2);
        crashed.close();
    }

    @Test
    void settlementOfALostLease_isIgnored_andNotCountedAsACompletion() {
        Assumptions.assumeFalse("rabbitmq".equals(queue().backend()),
                "RabbitMQ loses a lease only with its channel, which then cannot settle anything");
        Enqueued e = queue().add(job("{}"));
        JobSource crashed = queue().source(q, 1);
        Lease stale = takeAtLeast(crashed, 1).get(0);
        crash(crashed);
        JobSource survivor = source(1);
        List<Lease> again = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            survivor.maintain();
            again.addAll(survivor.take(1, Duration.ofMillis(200)));
            return !again.isEmpty();
        });
        Instant now = Instant.now();
        // the worker that lost the lease wakes up and settles: ignored, the job is still the survivor's
        crashed.complete(stale, new Attempt(stale.attempt(), "crashed", now, now, null));
        assertThat(queue().job(q, e.jobId()).orElseThrow().state()).isEqualTo(JobState.ACTIVE);
        survivor.complete(again.get(0), new Attempt(again.get(0).attempt(), "survivor", now, now, null));
        assertThat(queue().job(q, e.jobId()).orElseThrow().state()).isEqualTo(JobState.COMPLETED);
        // one job, one completion in the counters (and so in the rate), also after they are flushed
        await().atMost(WAIT).until(() -> queue().stats(q).completed() >= 1);
        await().during(Duration.ofMillis(2500)).atMost(WAIT).until(() -> queue().stats(q).completed() == 1);
        crashed.close();
    }

    @Test
    void gracefulStop_releasesUnfinishedJobs_withoutSpendingAnAttempt() {
        Enqueued e = queue().add(job("{}"));
        CountDownLatch started = new CountDownLatch(1);
        Worker stopping = new Worker(queue(), new JobHandlers().register("test", ctx -> {
            started.countDown();
            Thread.sleep(60_000);
        }), List.of(new QueueSettings(q, 1, 0)), LEASE, JobMetrics.NONE, "stopping").start();
        await().atMost(WAIT).until(() -> started.getCount() == 0);
        stopping.close(Duration.ofMillis(100));
        Map<UUID, Integer> attempts = new ConcurrentHashMap<>();
        worker(new JobHandlers().register("test", ctx -> attempts.put(ctx.jobId(), ctx.attempt())), 1);
        await().atMost(WAIT).until(() -> attempts.containsKey(e.jobId()));
        assertThat(attempts.get(e.jobId())).isEqualTo(1);
    }

    @Test
    void failedSet_keepsOnlyRemoveOnFailJobs() {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add(queue().add(job("{\"i\":" + i + "}").withAttempts(1, Duration.ZERO).withRetention(10, 2))
                    .jobId());
        }
        List<UUID> failedInOrder = new java.util.concurrent.CopyOnWriteArrayList<>();
        // one at a time, so the jobs fail in the order they were added and "the most recent two" are known
        worker(new JobHandlers().register("test", ctx -> {
            failedInOrder.add(ctx.jobId());
            throw new RuntimeException("always");
        }), 1);
        await().atMost(WAIT).until(() -> failedInOrder.size() == 4);
        assertThat(failedInOrder).containsExactlyElementsOf(ids);
        await().atMost(WAIT).untilAsserted(() -> assertThat(queue().failed(q, 10)).extracting(Job::id)
                .as("the two most recent failures are kept, the older ones removed")
                .containsExactlyInAnyOrder(ids.get(2), ids.get(3)));
        assertThat(queue().failed(q, 10)).allSatisfy(j -> {
            assertThat(j.state()).isEqualTo(JobState.FAILED);
            assertThat(j.lastError()).contains("always");
        });
        assertThat(queue().job(q, ids.get(0))).as("trimmed from the failed set").isEmpty();
        assertThat(queue().job(q, ids.get(1))).as("trimmed from the failed set").isEmpty();
    }

    @Test
    void manyJobs_twoWorkers_eachJobCompletesExactlyOnce() {
        int n = 200;
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(queue().add(job("{\"i\":" + i + "}")).jobId());
        }
        Map<UUID, AtomicInteger> runs = new ConcurrentHashMap<>();
        JobHandlers handlers = new JobHandlers().register("test", ctx ->
                runs.computeIfAbsent(ctx.jobId(), k -> new AtomicInteger()).incrementAndGet());
        worker(handlers, 4);
        worker(handlers, 4);
        assertEachRanOnceAndStaysSettled(ids, runs);
    }

    @Test
    void stats_measureTheProcessingRate_andTheEstimateUsesIt() {
        for (int i = 0; i < 20; i++) {
            queue().add(job("{}"));
        }
        AtomicInteger runs = new AtomicInteger();
        Worker w = worker(new JobHandlers().register("test", ctx -> runs.incrementAndGet()), 2);
        // at least: on a starved machine a lease can lapse and a job legally run twice; the counts below stay 20
        await().atMost(WAIT).until(() -> runs.get() >= 20);
        await().atMost(WAIT).until(() -> queue().stats(q).ratePerSecond() > 0 && queue().stats(q).completed() == 20);
        QueueStats s = queue().stats(q);
        assertThat(s.waiting()).isZero();
        assertThat(s.active()).isZero();
        assertThat(queue().queues()).contains(q);
        // nobody takes jobs now: a backlog builds up, and the estimate of the next job must be backlog / measured rate
        w.close(Duration.ofMillis(200));
        int backlog = 9;
        for (int i = 0; i < backlog; i++) {
            queue().add(job("{}"));
        }
        await().atMost(WAIT).until(() -> queue().stats(q).waiting() == backlog);
        double rateBefore = queue().stats(q).ratePerSecond();
        Enqueued next = queue().add(job("{}"));
        double rateAfter = queue().stats(q).ratePerSecond();
        assertThat(rateBefore).isPositive();
        long position = next.queuePosition();
        if (positionCountsPriority()) {
            assertThat(position).as("the backlog is ahead of it").isEqualTo(backlog);
        } else {
            assertThat(position).as("the backlog is ahead of it").isBetween(backlog - 1L, (long) backlog);
        }
        // worked out here, not with the product's own formula (which a test reusing it could never catch)
        assertThat(next.estimatedWaitSeconds()).as("ceil(%d jobs / %.3f or %.3f jobs per second)", position,
                rateBefore, rateAfter).isIn((long) Math.ceil(position / rateBefore),
                (long) Math.ceil(position / rateAfter));
    }

    @Test
    void addInATransaction_existsOnlyIfTheTransactionCommits() throws Exception {
        UUID[] rolledBack = new UUID[1];
        try {
            database().tx(c -> {
                rolledBack[0] = queue().add(c, job("{\"tx\":\"rollback\"}")).jobId();
                throw new SQLException("business rule failed");
            });
        } catch (SQLException expected) {
            // the caller's transaction rolled back
        }
        UUID committed = database().tx(c -> {
            Jdbc.one(c, "SELECT 1", rs -> 1);
            return queue().add(c, job("{\"tx\":\"commit\"}")).jobId();
        });
        Map<UUID, AtomicInteger> runs = new ConcurrentHashMap<>();
        worker(new JobHandlers().register("test", ctx ->
                runs.computeIfAbsent(ctx.jobId(), k -> new AtomicInteger()).incrementAndGet()), 2);
        // only the committed job runs, once (the rolled-back one would show up as a second key)
        assertEachRanOnceAndStaysSettled(List.of(committed), runs);
        assertThat(runs).doesNotContainKey(rolledBack[0]);
    }

    private interface Call<T> {
        T call() throws Exception;
    }

    private static <T> T quietly(Call<T> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

}
