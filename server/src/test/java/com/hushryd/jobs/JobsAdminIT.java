package com.hushryd.jobs;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.notify.Channel;
import com.hushryd.notify.Notification;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.TestNode;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin endpoints of the queues and the outbox, on a real node with the default (PostgreSQL) queues. */
class JobsAdminIT {
    static final String ADMIN_PHONE = "+919999999998";
    static final String ADMIN_PASSWORD = "admin-password-2";
    static final String BASE = "/api/v1/admin";
    static TestNode node;
    static String admin;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("ADMIN_PHONE", ADMIN_PHONE, "ADMIN_PASSWORD", ADMIN_PASSWORD,
                "QUEUE_DEPTH_WARN", "3", "WORKER_QUEUES", "jobs:2,notify-sms:2,notify-inapp:1"));
        HttpResult r = node.api().post("/api/v1/auth/login", null, map("phone", ADMIN_PHONE, "password",
                ADMIN_PASSWORD));
        admin = r.str("accessToken");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static JsonNode queue(String name) {
        HttpResult r = node.api().get(BASE + "/queues", admin);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        for (JsonNode q : r.json().path("queues")) {
            if (name.equals(q.path("name").asText())) {
                return q;
            }
        }
        return null;
    }

    @Test
    void enqueue_answersPositionAndEstimate_and202OnceTheQueueIsDeeperThanTheThreshold() {
        // a built-in queue this node runs no worker for (an unknown queue name is refused: BadInputIT)
        String idle = com.hushryd.uploads.DocumentService.QUEUE;
        for (int i = 0; i < 3; i++) {
            HttpResult r = node.api().post(BASE + "/queues/" + idle + "/jobs", admin, map("type", "noop"));
            assertThat(r.status()).as(r.text()).isEqualTo(201);
            assertThat(r.json().path("queuePosition").asInt()).isEqualTo(i);
            assertThat(r.json().has("estimatedWaitSeconds")).isTrue();
            assertThat(UUID.fromString(r.str("jobId"))).isNotNull();
        }
        HttpResult busy = node.api().post(BASE + "/queues/" + idle + "/jobs", admin, map("type", "noop"));
        assertThat(busy.status()).as("SCALE_001: queue deeper than QUEUE_DEPTH_WARN").isEqualTo(202);
        assertThat(busy.json().path("queuePosition").asInt()).isEqualTo(3);
        JsonNode stats = queue(idle);
        assertThat(stats).isNotNull();
        assertThat(stats.path("waiting").asInt()).isEqualTo(4);
        for (String f : new String[] {"active", "delayed", "completed", "failed", "ratePerSecond"}) {
            assertThat(stats.has(f)).as(f).isTrue();
        }
    }

    @Test
    void failedJob_isListedWithItsHistory_andManualRetryRunsItAgain() {
        HttpResult r = node.api().post(BASE + "/queues/jobs/jobs", admin, map("type", "probe", "attempts", 1,
                "payload", map("failAttempts", 1)));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        String id = r.str("jobId");
        await().atMost(Duration.ofSeconds(20)).until(() -> failed("jobs", id) != null);
        JsonNode job = failed("jobs", id);
        assertThat(job.path("state").asText()).isEqualTo("failed");
        assertThat(job.path("lastError").asText()).contains("probe told to fail attempt 1");
        assertThat(job.path("payload").path("failAttempts").asInt()).isEqualTo(1);
        assertThat(job.path("history")).hasSize(1);

        HttpResult retry = node.api().post(BASE + "/queues/jobs/jobs/" + id + "/retry", admin, "{}");
        assertThat(retry.status()).as(retry.text()).isEqualTo(200);
        assertThat(retry.str("state")).isEqualTo("waiting");
        // it runs again (and, being told to fail its first attempt, fails again): the history keeps both attempts
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            JsonNode again = failed("jobs", id);
            return again != null && again.path("history").size() == 2;
        });
    }

    private static JsonNode failed(String queue, String id) {
        HttpResult r = node.api().get(BASE + "/queues/" + queue + "/failed?limit=100", admin);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        for (JsonNode j : r.json().path("items")) {
            if (id.equals(j.path("id").asText())) {
                return j;
            }
        }
        return null;
    }

    @Test
    void badInput_isAClear4xx_onEveryQueueEndpoint() {
        String passenger = node.register("passenger").token();
        assertThat(node.api().get(BASE + "/queues", passenger).status()).isEqualTo(403);
        assertThat(node.api().get(BASE + "/queues", null).status()).isEqualTo(401);
        assertThat(node.api().get(BASE + "/outbox", passenger).status()).isEqualTo(403);
        assertThat(node.api().post(BASE + "/queues/jobs/jobs", passenger, map("type", "noop")).status())
                .isEqualTo(403);
        assertThat(node.api().post(BASE + "/queues/jobs/jobs/" + UUID.randomUUID() + "/retry", passenger, "{}")
                .status()).isEqualTo(403);

        HttpResult unknown = node.api().get(BASE + "/queues/no-such-queue/failed", admin);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.errorCode()).isEqualTo("QUEUE_NOT_FOUND");
        assertThat(node.api().get(BASE + "/queues/BAD%20NAME/failed", admin).status()).isEqualTo(404);
        assertThat(node.api().post(BASE + "/queues/no-such-queue/jobs/" + UUID.randomUUID() + "/retry", admin,
                "{}").errorCode()).isEqualTo("QUEUE_NOT_FOUND");
        HttpResult badId = node.api().post(BASE + "/queues/jobs/jobs/not-a-uuid/retry", admin, "{}");
        assertThat(badId.status()).isEqualTo(400);
        assertThat(badId.errorField()).isEqualTo("id");
        HttpResult notFailed = node.api().post(BASE + "/queues/jobs/jobs/" + UUID.randomUUID() + "/retry", admin,
                "{}");
        assertThat(notFailed.status()).isEqualTo(404);
        assertThat(notFailed.errorCode()).isEqualTo("JOB_NOT_FOUND");
        assertThat(node.api().get(BASE + "/queues/jobs/failed?limit=0", admin).errorField()).isEqualTo("limit");
        assertThat(node.api().get(BASE + "/queues?x=1", admin).status()).isEqualTo(400);

        assertThat(node.api().post(BASE + "/queues/jobs/jobs", admin, map("type", "no-such-type")).errorField())
                .isEqualTo("type");
        assertThat(node.api().post(BASE + "/queues/jobs/jobs", admin, map("type", "noop", "priority", "urgent"))
                .errorField()).isEqualTo("priority");
        assertThat(node.api().post(BASE + "/queues/jobs/jobs", admin, map("type", "noop", "payload",
                java.util.List.of(1))).errorField()).isEqualTo("payload");
        assertThat(node.api().post(BASE + "/queues/jobs/jobs", admin, map("type", "noop", "attempts", 0))
                .errorField()).isEqualTo("attempts");
        assertThat(node.api().post(BASE + "/queues/jobs/jobs", admin, map("type", "noop", "extra", 1))
                .errorField()).isEqualTo("extra");
        assertThat(node.api().post(BASE + "/queues/jobs/jobs", admin, "{\"type\":").errorCode())
                .isEqualTo("MALFORMED_JSON");
        assertThat(node.api().post(BASE + "/queues/Bad!/jobs", admin, map("type", "noop")).status())
                .isEqualTo(400);
        assertThat(node.api().get(BASE + "/outbox?channel=fax", admin).errorField()).isEqualTo("channel");
        assertThat(node.api().get(BASE + "/outbox?limit=9999", admin).errorField()).isEqualTo("limit");
    }

    @Test
    void notifications_withoutProviders_landInTheDevelopmentOutbox() {
        String phone = TestNode.uniquePhone();
        node.node().notifications().send(new Notification(Channel.SMS, phone, null, null, "Your ride is here",
                "ride.arrived", Map.of()), Priority.HIGH);
        await().atMost(Duration.ofSeconds(20)).until(() -> outboxHas("sms", phone));
    }

    @Test
    void inAppNotification_reachesTheUsersSocketThroughTheGateway() {
        TestNode.Account user = node.register("passenger");
        try (SocketIoAgent agent = SocketIoAgent.start()) {
            SocketIoAgent.Client client = agent.connect("rider", node.api().base(), user.token());
            assertThat(client.connected()).isTrue();
            node.node().notifications().send(new Notification(Channel.IN_APP, user.id(), UUID.fromString(user.id()),
                    "SOS", "Rider needs help", "sos.alert", Map.of("alertId", "a-1")), Priority.CRITICAL);
            JsonNode received = client.awaitEvent("notification", a -> true, Duration.ofSeconds(20)).get(0);
            assertThat(received.path("type").asText()).isEqualTo("sos.alert");
            assertThat(received.path("data").path("alertId").asText()).isEqualTo("a-1");
        }
        assertThat(outboxHas("in_app", user.id())).as("delivered, so not parked in the outbox").isFalse();
    }

    private static boolean outboxHas(String channel, String recipient) {
        HttpResult r = node.api().get(BASE + "/outbox?channel=" + channel, admin);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        for (JsonNode m : r.json().path("items")) {
            if (recipient.equals(m.path("recipient").asText())) {
                return true;
            }
        }
        return false;
    }

    @Test
    void healthAndMetrics_reportTheQueues() {
        await().atMost(Duration.ofSeconds(20)).until(() -> node.api().get("/metrics", null).text()
                .contains("hushryd_queue_jobs{"));
        HttpResult h = node.api().get("/health", null);
        JsonNode jobs = h.json().path("checks").path("jobs");
        assertThat(jobs.path("backend").asText()).isEqualTo("postgres");
        assertThat(jobs.path("queues").has("notify-sms")).isTrue();
        assertThat(jobs.path("queues").path("jobs").has("waiting")).isTrue();
        assertThat(h.json().path("checks").path("notify").path("breakers").path("sms").path("dev-outbox").asText())
                .isEqualTo("closed");
    }
}
