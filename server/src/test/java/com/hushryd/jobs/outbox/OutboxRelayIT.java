package com.hushryd.jobs.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hushryd.jobs.JobHandlers;
import com.hushryd.jobs.JobMetrics;
import com.hushryd.jobs.JobQueue;
import com.hushryd.jobs.JobRequest;
import com.hushryd.jobs.QueueSettings;
import com.hushryd.jobs.Worker;
import com.hushryd.jobs.postgres.PgLedger;
import com.hushryd.jobs.postgres.PgNotifier;
import com.hushryd.jobs.rabbitmq.RabbitJobQueue;
import com.hushryd.jobs.redis.RedisJobQueue;
import com.hushryd.store.Database;
import com.hushryd.store.Jdbc;
import com.hushryd.testing.TestDatabases;
import com.hushryd.testing.TestRabbit;
import com.hushryd.testing.TestRedis;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The outbox that makes {@code add(Connection, job)} transactional for Redis and RabbitMQ: nothing acknowledged is
 * lost, whatever happens between the caller's commit and the engine's confirmation.
 */
class OutboxRelayIT {
    private Database db;
    private PgNotifier notifier;
    private PgLedger ledger;
    private JobQueue queue;
    private String cleanupPrefix;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final String q = "outbox-" + UUID.randomUUID().toString().substring(0, 8);

    private void open(String backend) {
        if ("rabbitmq".equals(backend)) {
            TestRabbit.assumeReachable();
        }
        db = TestDatabases.migrated();
        notifier = new PgNotifier(db);
        ledger = new PgLedger(db, "test-node");
        if ("redis".equals(backend)) {
            cleanupPrefix = TestRedis.prefix();
            queue = new RedisJobQueue(TestRedis.redisUrl(), cleanupPrefix, "test-node", Duration.ofSeconds(2));
        } else {
            cleanupPrefix = TestRabbit.prefix();
            queue = new RabbitJobQueue(TestRabbit.url(), cleanupPrefix, db, ledger, "test-node");
        }
    }

    @AfterEach
    void close() throws Exception {
        if (queue == null) {
            return;
        }
        for (AutoCloseable c : closeables) {
            c.close();
        }
        Set<String> names = queue.queues();
        queue.close();
        notifier.close();
        ledger.close();
        db.close();
        if (queue instanceof RedisJobQueue) {
            TestRedis.deleteKeys(cleanupPrefix);
        } else {
            TestRabbit.deleteQueues(cleanupPrefix, names, RabbitJobQueue.DELAY_LEVELS);
        }
    }

    private OutboxRelay relay(OutboxTarget target) {
        OutboxRelay r = new OutboxRelay(db, target, notifier);
        closeables.add(r);
        return r;
    }

    private Map<UUID, AtomicInteger> runWorker() {
        Map<UUID, AtomicInteger> runs = new ConcurrentHashMap<>();
        Worker w = new Worker(queue, new JobHandlers().register("test", ctx ->
                runs.computeIfAbsent(ctx.jobId(), k -> new AtomicInteger()).incrementAndGet()),
                List.of(new QueueSettings(q, 4, 0)), Duration.ofSeconds(2), JobMetrics.NONE, "w");
        closeables.add(() -> w.close(Duration.ofMillis(200)));
        w.start();
        return runs;
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "rabbitmq"})
    void relayKilledBetweenPublishAndDelete_jobIsStillDeliveredAtLeastOnce(String backend) throws Exception {
        open(backend);
        OutboxTarget engine = (OutboxTarget) queue;
        UUID id = db.tx(c -> queue.add(c, JobRequest.of(q, "test", "{\"sos\":1}")).jobId());
        assertThat(relay(engine).pending()).isEqualTo(1);
        // a relay killed after the engine confirmed but before it deleted the row: its database session dies in the
        // middle of the transaction (as when its process is killed), so the delete never commits
        List<UUID> deliveredByTheDead = new CopyOnWriteArrayList<>();
        OutboxRelay dying = relay((jobId, job) -> {
            engine.deliver(jobId, job);
            deliveredByTheDead.add(jobId);
            killSessionsHoldingOutboxRows();
        });
        assertThatThrownBy(dying::relayOnce).isInstanceOf(SQLException.class);
        assertThat(deliveredByTheDead).containsExactly(id);
        assertThat(dying.pending()).as("the row survives the dead relay").isEqualTo(1);

        // the next relay must deliver the surviving row again (the dead relay's delivery does not count: nobody
        // could know it was confirmed), and only then remove it
        List<UUID> deliveredAgain = new CopyOnWriteArrayList<>();
        notifier.start();
        relay((jobId, job) -> {
            engine.deliver(jobId, job);
            deliveredAgain.add(jobId);
        }).start();
        Map<UUID, AtomicInteger> runs = runWorker();
        await().atMost(Duration.ofSeconds(20)).until(() -> relay(engine).pending() == 0);
        assertThat(deliveredAgain).as("the surviving row is delivered again, once").containsExactly(id);
        await().atMost(Duration.ofSeconds(20)).until(() -> runs.containsKey(id));
        // at least once; at most once per delivery (two deliveries reached the engine)
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> runs.get(id).get() <= 2);
    }

    /** Terminates the database sessions of whatever holds row locks on the outbox: the relay in its transaction. */
    private void killSessionsHoldingOutboxRows() {
        try {
            int killed = db.read(c -> Jdbc.list(c, "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    + "WHERE relation = 'job_outbox'::regclass AND pid <> pg_backend_pid()", rs -> rs.getBoolean(1)))
                    .size();
            assertThat(killed).as("the relay's session").isPositive();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "rabbitmq"})
    void rolledBackTransaction_leavesNoOutboxRow_andCommittedJobsAllRun_withTwoRelays(String backend)
            throws Exception {
        open(backend);
        assertThatThrownBy(() -> db.tx(c -> {
            queue.add(c, JobRequest.of(q, "test", "{}"));
            throw new SQLException("booking failed");
        })).isInstanceOf(SQLException.class);
        assertThat(relay((OutboxTarget) queue).pending()).isZero();

        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ids.add(db.tx(c -> queue.add(c, JobRequest.of(q, "test", "{}")).jobId()));
        }
        // two nodes' relays at once: SKIP LOCKED splits the rows between them
        relay((OutboxTarget) queue).start();
        relay((OutboxTarget) queue).start();
        notifier.start();
        Map<UUID, AtomicInteger> runs = runWorker();
        await().atMost(Duration.ofSeconds(30)).until(() -> runs.keySet().containsAll(ids));
        assertThat(runs).hasSize(100);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay((OutboxTarget) queue).pending() == 0);
    }
}
