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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code kill -9} of a separate {@code hushryd worker} process in the middle of its jobs: every job still completes,
 * the killed ones exactly once more (on another worker, after their lease expired), and none is lost. Jobs are the
 * built-in {@code probe} type, which records each completion in {@code job_probes}.
 */
class WorkerKillIT {
    private static final Path ROOT = Path.of(System.getProperty("hushryd.repo.root", "..")).toAbsolutePath()
            .normalize();
    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final int JOBS = 6;

    @ParameterizedTest
    @ValueSource(strings = {"postgres", "redis", "rabbitmq"})
    void workerKilledMidJob_everyJobCompletes_theKilledOnesExactlyOnceMore(String backend) throws Exception {
        if ("rabbitmq".equals(backend)) {
            Assumptions.assumeTrue(TestRabbit.reachable(), TestRabbit.skipMessage());
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
            List<UUID> ids = new ArrayList<>();
            for (int i = 0; i < JOBS; i++) {
                ids.add(queue.add(JobRequest.of(queueName, "probe", "{\"sleepMs\":4000}")).jobId());
            }
            // the separate worker process takes two jobs and is killed while it sleeps in them
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> !doomed.isAlive() || queue.stats(queueName).active() == 2);
            assertThat(doomed.isAlive()).as(() -> "worker process died early: " + read(log)).isTrue();
            // RabbitMQ cannot look a running job up by id (only failed ones): there the counts below must do
            boolean lookup = !"rabbitmq".equals(backend);
            Set<UUID> killedMidJob = !lookup ? Set.of() : ids.stream().filter(id -> queue.job(queueName, id)
                    .map(j -> j.state() == JobState.ACTIVE).orElse(false)).collect(Collectors.toSet());
            doomed.destroyForcibly().waitFor();
            assertThat(killedMidJob).hasSize(lookup ? 2 : 0);

            JobHandlers handlers = new JobHandlers();
            BuiltinJobs.register(handlers, db);
            survivor = new Worker(queue, handlers, List.of(new QueueSettings(queueName, JOBS, 0)), LEASE,
                    JobMetrics.NONE, "survivor").start();
            await().atMost(Duration.ofSeconds(60)).until(() -> completions(db, ids).size() == JOBS);

            Map<UUID, Long> perJob = completions(db, ids);
            assertThat(perJob.keySet()).as("no job lost").containsExactlyInAnyOrderElementsOf(ids);
            assertThat(perJob.values()).as("each completed exactly once").containsOnly(1L);
            for (UUID id : killedMidJob) {
                // the handler's row commits before the worker settles the job in the queue: wait for the settlement
                await().atMost(Duration.ofSeconds(10)).until(() ->
                        queue.job(queueName, id).orElseThrow().state() == JobState.COMPLETED);
                Job j = queue.job(queueName, id).orElseThrow();
                assertThat(j.attempts()).as("the killed attempt counts, one more completes it").isEqualTo(2);
                assertThat(j.history().get(0).error()).contains("stalled");
                assertThat(j.history().get(1).worker()).isEqualTo("survivor");
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

    private static Map<UUID, Long> completions(Database db, List<UUID> ids) throws Exception {
        return db.read(c -> Jdbc.list(c, "SELECT job_id, count(*) AS n FROM job_probes GROUP BY job_id",
                rs -> Map.entry(Jdbc.uuid(rs, "job_id"), rs.getLong("n"))))
                .stream().filter(e -> ids.contains(e.getKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "(no log)";
        }
    }
}
