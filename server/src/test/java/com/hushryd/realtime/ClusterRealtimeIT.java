package com.hushryd.realtime;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.store.RedisConnector;
import com.hushryd.store.RedisUrl;
import com.hushryd.testing.ApiClient;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestPostgres;
import com.hushryd.testing.TestRedis;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two (and, for the crash, three) nodes sharing one PostgreSQL and one real Redis. */
class ClusterRealtimeIT {
    private static final Path ROOT = Path.of(System.getProperty("hushryd.repo.root", "..")).toAbsolutePath().normalize();
    static TestRedis.Dedicated redis;
    static String database;
    static TestNode a;
    static TestNode b;
    static final String ADMIN_PHONE = "+919999999982";
    static final String ADMIN_PASSWORD = "admin-password-82";
    static SocketIoAgent agent;

    @BeforeAll
    static void start() {
        redis = TestRedis.dedicated();
        database = TestPostgres.get().newDatabase();
        a = node("node-a");
        b = node("node-b");
        agent = SocketIoAgent.start();
    }

    static TestNode node(String id) {
        return TestNode.start(Map.of("DATABASE_URL", database, "REDIS_URL", redis.url(), "NODE_ID", id,
                "PRESENCE_TTL", "3s", "ADMIN_PHONE", ADMIN_PHONE, "ADMIN_PASSWORD", ADMIN_PASSWORD));
    }

    @AfterAll
    static void stop() {
        agent.close();
        a.close();
        b.close();
        redis.close();
    }

    private static String name(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    record Ride(Account driver, Account passenger, String conversation) {
    }

    static Ride ride() {
        Account driver = a.register("driver");
        Account passenger = a.register("passenger");
        String trip = a.createTrip(driver, "Kolkata", "Durgapur", 1, 3, 250);
        String booking = a.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1))
                .str("id");
        return new Ride(driver, passenger, booking);
    }

    /** An ack'd round trip on each client: whatever was sent to them before has arrived. */
    private static void settle(Client... clients) {
        for (Client c : clients) {
            c.emitWithAck("no:such:event", Map.of());
        }
    }

    @Test
    void chatOnNodeA_reachesTheDriverOnNodeB_exactlyOnce() {
        Ride r = ride();
        Client passenger = agent.connect(name("p"), a.api().base(), r.passenger().token());
        Client driverOnB = agent.connect(name("d"), b.api().base(), r.driver().token());
        Client driverOnA = agent.connect(name("d2"), a.api().base(), r.driver().token());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(b.node().gateway().broker().stats().subscriptions()).isPositive());

        JsonNode ack = passenger.emitWithAck("chat:send", Map.of("conversationId", r.conversation(),
                "text", "cross-node")).get(0);
        assertThat(ack.path("ok").asBoolean()).as(ack.toString()).isTrue();
        assertThat(driverOnB.awaitEvent("chat:message").get(0).path("text").asText()).isEqualTo("cross-node");
        assertThat(driverOnA.awaitEvent("chat:message").get(0).path("text").asText()).isEqualTo("cross-node");
        settle(driverOnA, driverOnB);
        assertThat(driverOnB.eventsNamed("chat:message")).as("no duplicate").isEmpty();
        assertThat(driverOnA.eventsNamed("chat:message")).as("no duplicate").isEmpty();
    }

    @Test
    void broadcastToUser_fromNodeB_reachesSocketsOnBothNodesOnce() {
        Account u = a.register("passenger");
        Client onA = agent.connect(name("ua"), a.api().base(), u.token());
        Client onB = agent.connect(name("ub"), b.api().base(), u.token());
        b.node().gateway().broadcastToUser(UUID.fromString(u.id()), "notification", Map.of("n", 1));
        assertThat(onA.awaitEvent("notification").get(0).path("n").asInt()).isEqualTo(1);
        assertThat(onB.awaitEvent("notification").get(0).path("n").asInt()).isEqualTo(1);
        settle(onA, onB);
        assertThat(onA.eventsNamed("notification")).isEmpty();
        assertThat(onB.eventsNamed("notification")).isEmpty();
    }

    @Test
    void killedRedisSubscriberConnection_isRestoredAndBroadcastsFlowAgain() {
        Account u = a.register("passenger");
        Client onA = agent.connect(name("k"), a.api().base(), u.token());
        RedisClient admin = RedisConnector.client(RedisUrl.parse(redis.url()), "test-admin");
        try (StatefulRedisConnection<String, String> c = admin.connect()) {
            assertThat(c.sync().clientKill(KillArgs.Builder.typePubsub())).isPositive();
        } finally {
            admin.shutdown();
        }
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).until(() -> {
            b.node().gateway().broadcastToUser(UUID.fromString(u.id()), "ping:after-kill", Map.of());
            return !onA.eventsNamed("ping:after-kill").isEmpty();
        });
        assertThat(a.node().gateway().broker().connected()).isTrue();
    }

    @Test
    void userWithSocketsOnTwoNodes_staysOnlineUntilBothAreGone() {
        Ride r = ride();
        Client observer = agent.connect(name("obs"), a.api().base(), r.passenger().token());
        Client driverOnA = agent.connect(name("da"), a.api().base(), r.driver().token());
        observer.awaitEvent("presence:update", x -> x.get(0).path("userId").asText().equals(r.driver().id())
                && x.get(0).path("online").asBoolean(), Duration.ofSeconds(10));
        Client driverOnB = agent.connect(name("db"), b.api().base(), r.driver().token());

        int socketsOnA = a.node().gateway().connectionStats().sockets();
        driverOnA.disconnect();
        settle(driverOnB);
        // node A has handled the disconnect (its socket is gone) ...
        await().atMost(Duration.ofSeconds(10)).until(() -> a.node().gateway().connectionStats().sockets()
                < socketsOnA);
        // ... and decides on presence right after, off the event loop: no offline announcement may follow
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            settle(observer);
            assertThat(observer.eventsNamed("presence:update")).as("still online through node B")
                    .noneMatch(e -> e.get("args").get(0).path("userId").asText().equals(r.driver().id())
                            && !e.get("args").get(0).path("online").asBoolean());
        });
        assertThat(driverPresence(r).path("online").asBoolean()).isTrue();

        driverOnB.disconnect();
        JsonNode offline = observer.awaitEvent("presence:update",
                x -> x.get(0).path("userId").asText().equals(r.driver().id()), Duration.ofSeconds(10)).get(0);
        assertThat(offline.path("online").asBoolean()).isFalse();
        assertThat(driverPresence(r).path("online").asBoolean()).isFalse();
    }

    private static JsonNode driverPresence(Ride r) {
        HttpResult list = b.api().get("/api/v1/conversations", r.passenger().token());
        for (JsonNode c : list.json().path("items")) {
            if (c.path("id").asText().equals(r.conversation())) {
                return c.path("participants").get(1);
            }
        }
        throw new AssertionError("conversation not listed: " + list);
    }

    @Test
    void usersOfAKilledNode_goOfflineWithinThePresenceTtl() throws Exception {
        Ride r = ride();
        Client observer = agent.connect(name("obs"), a.api().base(), r.passenger().token());
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = Files.createTempFile("node-c", ".log");
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("hushryd").toString(), "serve").directory(ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("HUSHRYD_SKIP_BUILD", "1", "DATABASE_URL", database, "REDIS_URL", redis.url(),
                "NODE_ID", "node-c", "PRESENCE_TTL", "3s", "PORT", Integer.toString(port), "JWT_SECRET",
                TestNode.JWT_SECRET, "DATA_DIR", TestNode.tempDir().toString(), "LOG_LEVEL", "warn"));
        Process c = pb.start();
        try {
            ApiClient cApi = new ApiClient("http://127.0.0.1:" + port);
            await().atMost(Duration.ofMinutes(2)).ignoreExceptions().failFast(() -> !c.isAlive())
                    .until(() -> cApi.get("/health/ready", null).status() == 200);
            Client driverOnC = agent.connect(name("dc"), cApi.base(), Map.of("token", r.driver().token()),
                    Map.of("reconnection", false));
            assertThat(driverOnC.connected()).isTrue();
            observer.awaitEvent("presence:update", x -> x.get(0).path("online").asBoolean(), Duration.ofSeconds(10));

            c.destroyForcibly();
            assertThat(c.waitFor(30, TimeUnit.SECONDS)).isTrue();
            Instant killed = Instant.now();
            JsonNode offline = observer.awaitEvent("presence:update",
                    x -> x.get(0).path("userId").asText().equals(r.driver().id()) && !x.get(0).path("online").asBoolean(),
                    Duration.ofSeconds(20)).get(0);
            Duration took = Duration.between(killed, Instant.now());
            assertThat(offline.path("lastSeen").asText()).isNotBlank();
            assertThat(took).as("bounded by the 3 s TTL plus one sweep").isLessThan(Duration.ofSeconds(10));
        } finally {
            c.destroyForcibly();
        }
    }

    @Test
    void adminClusterView_listsBothNodesWithTheirRealtimeStats() {
        a.register("passenger");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            HttpResult view = a.api().get("/api/v1/admin/cluster", adminToken());
            assertThat(view.json().path("nodes").findValuesAsText("nodeId")).contains("node-a", "node-b");
            for (JsonNode n : view.json().path("nodes")) {
                if (n.path("alive").asBoolean()) {
                    assertThat(n.path("stats").path("broker").asText()).isEqualTo("redis");
                }
            }
        });
    }

    /** A token of the admin account (a token minted for no account is refused: rights follow the account). */
    private static String adminToken() {
        HttpResult r = a.api().post("/api/v1/auth/login", null, map("phone", ADMIN_PHONE, "password", ADMIN_PASSWORD));
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.str("accessToken");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
