package com.hushryd.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.jobs.postgres.PgLedger;
import com.hushryd.jobs.postgres.PgNotifier;
import com.hushryd.jobs.postgres.PostgresJobQueue;
import com.hushryd.jobs.rabbitmq.RabbitJobQueue;
import com.hushryd.jobs.redis.RedisJobQueue;
import com.hushryd.store.Database;
import com.hushryd.store.DatabaseUrl;
import com.hushryd.store.Jdbc;
import com.hushryd.testing.TestPostgres;
import com.hushryd.testing.TestRabbit;
import com.hushryd.testing.TestRedis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code kill -9} of a separate {@code hushryd worker} process holding two jobs, on every backend: one job killed in
 * the middle of its work (before its effect), one killed between its effect and its settlement (the window where
 * duplicates and losses live). Jobs are the built-in {@code probe} type, which records each run's effect in
 * {@code job_probes}.
 *
 * <p>What the at-least-once contract allows, stated precisely: every job's effect is present; a job runs again only if
 * its worker died after the effect and before the settlement, so here exactly the job killed in that window has its
 * effect twice (the dead worker's and the survivor's) and every other job has it exactly once. That is checked after
 * every job is settled in the queue's own store, and again for longer than a lease plus an upkeep round.
 */
class WorkerKillIT {
    private static final Path ROOT = Path.of(System.getProperty("hushryd.repo.root", "..")).toAbsolutePath()
            .normalize();
    private static final Duration LEASE = Duration.ofSeconds(2);
    /** A settlement lost by the engine shows up once the lease expired and some worker's upkeep ran (every lease/2). */
    private static final Duration REDELIVERY_WINDOW = LEASE.multipliedBy(2);
    private static final int LATER_JOBS = 4;

    @ParameterizedTest
    @ValueSource(strings = {"postgres", "redis", "rabbitmq"})
    void workerKilledMidJobAndAfterTheEffect_everyJobCompletes_onlyTheUnsettledEffectRunsTwice(String backend)
            throws Exception {
        if ("rabbitmq".equals(backend)) {
            TestRabbit.assumeReachable();
        }
        String dbUrl = TestPostgres.get().newDatabase();
        String queueName = "kill-" + UUID.randomUUID().toString().substring(0, 8);
        Database db = Database.connect(DatabaseUrl.parse(dbUrl), new Database.Settings(8, 0, Duration.ofSeconds(10),
                Duration.ofSeconds(30), "kill-test"), null);
        db.migrate();
        PgNotifier notifier = new PgNotifier(db);
        PgLedger ledger = new PgLedger(db, "test");
        JobQueue queue = switch (backend) {
            case "redis" -> new RedisJobQueue(TestRedis.redisUrl(), "hushryd:", "test", LEASE);
            case "rabbitmq" -> new RabbitJobQueue(TestRabbit.url(), "hushryd.", db, ledger, "test");
            default -> new PostgresJobQueue(db, notifier, ledger, "test", LEASE);
        };
        notifier.start();
        Path dataDir = Files.createTempDirectory("hushryd-kill");
        Path log = dataDir.resolve("worker.log");
        ProcessBuilder pb = new ProcessBuilder("java", "-jar", ROOT.resolve("server/target/hushryd.jar").toString(),
                "worker", "--queues", queueName + ":2").redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("DATABASE_URL", dbUrl, "QUEUE_TYPE", backend, "JOB_LEASE", "2s",
                "DATA_DIR", dataDir.toString(), "LOG_LEVEL", "info", "NODE_ID", "doomed-worker"));
        if ("redis".equals(backend)) {
            pb.environment().put("REDIS_URL", TestRedis.url());
        }
        if ("rabbitmq".equals(backend)) {
            pb.environment().put("RABBITMQ_URL", TestRabbit.url());
        }
        Process doomed = pb.start();
        Worker survivor = null;
        try {
            // the only two jobs while the doomed worker (two slots) starts: it takes both
            UUID afterEffect = queue.add(JobRequest.of(queueName, "probe", "{\"holdMs\":60000}")).jobId();
            UUID midJob = queue.add(JobRequest.of(queueName, "probe", "{\"sleepMs\":6000}")).jobId();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> !doomed.isAlive()
                    || completions(db).containsKey(afterEffect) && queue.stats(queueName).active() == 2);
            assertThat(doomed.isAlive()).as(() -> "worker process died early: " + read(log)).isTrue();
            // the effect of one job is committed and its handler holds before returning, so the worker has not settled
            // it; the other sleeps before its effect. SIGKILL now: neither is settled, only one has its effect.
            doomed.destroyForcibly().waitFor();
            assertThat(completions(db)).as("only the job past its effect left one").isEqualTo(
                    Map.of(afterEffect, List.of("doomed-worker")));

            List<UUID> ids = new ArrayList<>(List.of(afterEffect, midJob));
            for (int i = 0; i < LATER_JOBS; i++) {
                ids.add(queue.add(JobRequest.of(queueName, "probe", "{}")).jobId());
            }
            JobHandlers handlers = new JobHandlers();
            BuiltinJobs.register(handlers, db);
            survivor = new Worker(queue, handlers, List.of(new QueueSettings(queueName, ids.size(), 0)), LEASE,
                    JobMetrics.NONE, "survivor").start();

            Map<UUID, List<String>> expected = new HashMap<>();
            ids.forEach(id -> expected.put(id, List.of("survivor")));
            expected.put(afterEffect, List.of("doomed-worker", "survivor"));
            await().atMost(Duration.ofSeconds(60)).until(() -> settledAsCompleted(queue, queueName, ids));
            await().during(REDELIVERY_WINDOW).atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(completions(db)).as("every effect present; twice only for the job killed between "
                            + "its effect and its settlement").isEqualTo(expected));

            if (!"rabbitmq".equals(backend)) {
                for (UUID id : List.of(afterEffect, midJob)) {
                    Job j = queue.job(queueName, id).orElseThrow();
                    assertThat(j.attempts()).as("the killed attempt counts, one more completes it").isEqualTo(2);
                    assertThat(j.history().get(0).error()).contains("stalled");
                    assertThat(j.history().get(1).worker()).isEqualTo("survivor");
                }
            }
        } finally {
            doomed.destroyForcibly();
            if (survivor != null) {
                survivor.close(Duration.ofSeconds(1));
            }
            queue.close();
            notifier.close();
            ledger.close();
            db.close();
            if ("redis".equals(backend)) {
                TestRedis.forgetQueue(queueName);
            }
            if ("rabbitmq".equals(backend)) {
                TestRabbit.deleteQueues("hushryd.", List.of(queueName), RabbitJobQueue.DELAY_LEVELS);
            }
        }
    }

    /**
     * Whether the queue's own store has settled every job as completed: the job's state where the backend keeps
     * completed jobs; on RabbitMQ, which forgets a job once its delivery is acknowledged, the completion counter
     * (kept in PostgreSQL, counted after the ack) and the broker's empty job and delay queues.
     */
    private static boolean settledAsCompleted(JobQueue queue, String queueName, List<UUID> ids) {
        if ("rabbitmq".equals(queue.backend())) {
            QueueStats s = queue.stats(queueName);
            return s.completed() >= ids.size() && s.waiting() == 0 && s.delayed() == 0;
        }
        return ids.stream().allMatch(id -> queue.job(queueName, id).map(j -> j.state() == JobState.COMPLETED)
                .orElse(false));
    }

    /** Each job's recorded effects, by the worker that ran it, in the order they were recorded. */
    private static Map<UUID, List<String>> completions(Database db) throws Exception {
        Map<UUID, List<String>> byJob = new HashMap<>();
        db.read(c -> Jdbc.list(c, "SELECT job_id, worker FROM job_probes ORDER BY completed_at",
                rs -> Map.entry(Jdbc.uuid(rs, "job_id"), rs.getString("worker"))))
                .forEach(e -> byJob.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
        return byJob;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "(no log)";
        }
    }
}
