package com.hushryd.jobs.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.jobs.Attempt;
import com.hushryd.jobs.JobHandlers;
import com.hushryd.jobs.JobMetrics;
import com.hushryd.jobs.JobQueue;
import com.hushryd.jobs.JobQueueContract;
import com.hushryd.jobs.ForwardingJobQueue;
import com.hushryd.jobs.ForwardingJobSource;
import com.hushryd.jobs.JobSource;
import com.hushryd.jobs.Lease;
import com.hushryd.jobs.QueueSettings;
import com.hushryd.jobs.Worker;
import com.hushryd.jobs.outbox.OutboxRelay;
import com.hushryd.jobs.postgres.PgNotifier;
import com.hushryd.store.Database;
import com.hushryd.testing.TestDatabases;
import com.hushryd.testing.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RedisJobQueueIT extends JobQueueContract {
    static final String PREFIX = TestRedis.prefix();
    static Database db;
    static PgNotifier notifier;
    static RedisJobQueue queue;
    static OutboxRelay relay;

    @BeforeAll
    static void start() {
        db = TestDatabases.migrated();
        notifier = new PgNotifier(db);
        queue = new RedisJobQueue(TestRedis.redisUrl(), PREFIX, "test-node", LEASE);
        relay = new OutboxRelay(db, queue, notifier).start();
        notifier.start();
    }

    @AfterAll
    static void stop() {
        relay.close();
        queue.close();
        notifier.close();
        db.close();
        TestRedis.deleteKeys(PREFIX);
    }

    @Override
    protected JobQueue queue() {
        return queue;
    }

    @Override
    protected Database database() {
        return db;
    }

    @Override
    protected boolean takesOnCompletion() {
        return true;
    }

    /**
     * A worker of concurrency 1 with jobs waiting takes each next job with the completion of the one before (one round
     * trip per job, not a take and a settle): counted on the sources the worker is given.
     */
    @Test
    void workerWithJobsWaiting_takesEachNextJobWithTheCompletion() {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            ids.add(queue.add(job("{\"i\":" + i + "}")).jobId());
        }
        AtomicInteger takes = new AtomicInteger();
        AtomicInteger chained = new AtomicInteger();
        JobQueue counting = new ForwardingJobQueue(queue) {
            @Override
            public JobSource source(String name, int capacity) {
                return new ForwardingJobSource(queue.source(name, capacity)) {
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
}
