package com.hushryd.jobs;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.jobs.rabbitmq.RabbitJobQueue;
import com.hushryd.store.Jdbc;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestRabbit;
import com.hushryd.testing.TestRedis;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A node configured with QUEUE_TYPE=redis or rabbitmq runs jobs through that engine, also transactional ones. */
class QueueBackendsIT {
    @ParameterizedTest
    @ValueSource(strings = {"redis", "rabbitmq"})
    void nodeOnAnotherBackend_runsEnqueuedAndTransactionalJobs(String backend) throws Exception {
        if ("rabbitmq".equals(backend)) {
            TestRabbit.assumeReachable();
        }
        String queue = "be-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> env = new HashMap<>(Map.of("ADMIN_PHONE", "+919999999997", "ADMIN_PASSWORD",
                "admin-password-3", "QUEUE_TYPE", backend, "WORKER_QUEUES", queue + ":2"));
        if ("redis".equals(backend)) {
            env.put("REDIS_URL", TestRedis.url());
        } else {
            env.put("RABBITMQ_URL", TestRabbit.url());
        }
        TestNode node = TestNode.start(env);
        try {
            String admin = node.api().post("/api/v1/auth/login", null, map("phone", "+919999999997", "password",
                    "admin-password-3")).str("accessToken");
            HttpResult r = node.api().post("/api/v1/admin/queues/" + queue + "/jobs", admin, map("type", "probe"));
            assertThat(r.status()).as(r.text()).isEqualTo(201);
            UUID viaHttp = UUID.fromString(r.str("jobId"));
            UUID inTx = node.node().database().tx(c -> node.node().jobs()
                    .submit(c, JobRequest.of(queue, "probe", "{}")).jobId());
            await().atMost(Duration.ofSeconds(20)).until(() -> probes(node, viaHttp) == 1 && probes(node, inTx) == 1);
            HttpResult queues = node.api().get("/api/v1/admin/queues", admin);
            assertThat(queues.str("backend")).isEqualTo(backend);
            assertThat(node.api().get("/health", null).json().path("checks").path("jobs").path("backend").asText())
                    .isEqualTo(backend);
        } finally {
            node.close();
            if ("redis".equals(backend)) {
                TestRedis.forgetQueue(queue);
            } else {
                List<String> declared = new java.util.ArrayList<>(com.hushryd.notify.Notifications.queues());
                declared.add(queue);
                declared.add(BuiltinJobs.QUEUE);
                TestRabbit.deleteQueues("hushryd.", declared, RabbitJobQueue.DELAY_LEVELS);
            }
        }
    }

    private static long probes(TestNode node, UUID job) throws Exception {
        return node.node().database().read(c -> Jdbc.one(c, "SELECT count(*) FROM job_probes WHERE job_id = ?",
                rs -> rs.getLong(1), job)).orElse(0L);
    }
}
