package com.hushryd.protect;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.TestCluster;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis stopped under two nodes and started again (decisions 0013, 0016, 0032): tracking goes on within a node, with
 * route history and SOS; chat acknowledged during the outage reaches the other node once Redis is back, exactly once;
 * and cross-node tracking and the Redis breaker are back within seconds of Redis's return.
 */
class RedisOutageTrackingIT {
    static TestCluster cluster;
    static SocketIoAgent agent;

    @BeforeAll
    static void start() {
        // the default breaker window (30 s): recovery must not wait for it
        cluster = new TestCluster("rout", Map.of("LOCATION_HISTORY_FLUSH", "200ms"));
        agent = SocketIoAgent.start();
    }

    @AfterAll
    static void stop() {
        agent.close();
        cluster.close();
    }

    record Ride(Account driver, Account passenger, String trip, String conversation) {
    }

    static Ride activeRide(TestNode node) {
        Account driver = node.register("driver");
        Account passenger = node.register("passenger");
        String trip = node.createTrip(driver, "Pune", "Satara", 1, 3, 300);
        String booking = node.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1))
                .str("id");
        assertThat(node.api().post("/api/v1/trips/" + trip + "/start", driver.token(), "").status()).isEqualTo(200);
        return new Ride(driver, passenger, trip, booking);
    }

    private static String name(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void stopRedis() {
        cluster.redis.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> !cluster.a.node().gateway().broker().connected()
                && !cluster.b.node().gateway().broker().connected());
    }

    private static String redisBreaker(TestNode node) {
        return node.api().get("/health", null).json().path("checks").path("breakers").path("breakers").path("redis")
                .path("state").asText();
    }

    /** Whether the driver's conversation list on {@code node} shows the passenger online. */
    private static boolean passengerOnline(TestNode node, Ride r) {
        for (JsonNode c : node.api().get("/api/v1/conversations", r.driver().token()).json().path("items")) {
            for (JsonNode p : c.path("participants")) {
                if (p.path("id").asText().equals(r.passenger().id())) {
                    return p.path("online").asBoolean();
                }
            }
        }
        return false;
    }

    /** An acknowledged round trip: whatever was sent to the client before has arrived. */
    private static void settle(Client c) {
        c.emitWithAck("no:such:event", Map.of());
    }

    @Test
    void redisDown_passengerOnTheDriversNode_keepsGettingLocations_routeHistoryIsWritten_andSosWorks() {
        TestNode a = cluster.a;
        Ride r = activeRide(a);
        Client passenger = agent.connect(name("p"), a.api().base(), r.passenger().token());
        assertThat(passenger.emitWithAck("track:subscribe", r.trip()).get(0).path("ok").asBoolean()).isTrue();
        Client driver = agent.connect(name("d"), a.api().base(), r.driver().token());
        stopRedis();
        try {
            // a watcher connecting during the outage (presence cannot be registered) is not refused
            Client late = agent.connect(name("late"), a.api().base(), r.passenger().token());
            JsonNode subscribed = late.emitWithAck("track:subscribe", r.trip()).get(0);
            assertThat(subscribed.path("ok").asBoolean()).as(subscribed.toString()).isTrue();
            for (int i = 1; i <= 5; i++) {
                double lat = 18.50 + i / 1000.0;
                HttpResult posted = a.api().post("/api/v1/trips/" + r.trip() + "/location", r.driver().token(),
                        map("lat", lat, "lng", 73.85));
                assertThat(posted.status()).as(posted.text()).isEqualTo(202);
                assertThat(posted.json().path("stored").asBoolean()).isTrue();
                assertThat(posted.json().path("degraded").asBoolean()).as("kept on this node only").isTrue();
                assertThat(passenger.awaitEvent("location:update").get(0).path("lat").asDouble()).isEqualTo(lat);
            }
            for (int i = 6; i <= 10; i++) {
                double lat = 18.50 + i / 1000.0;
                JsonNode ack = driver.emitWithAck("location:update", map("tripId", r.trip(), "lat", lat,
                        "lng", 73.85)).get(0);
                assertThat(ack.path("ok").asBoolean()).as(ack.toString()).isTrue();
                assertThat(ack.path("data").path("degraded").asBoolean()).as(ack.toString()).isTrue();
                assertThat(passenger.awaitEvent("location:update").get(0).path("lat").asDouble()).isEqualTo(lat);
            }
            settle(passenger);
            assertThat(passenger.eventsNamed("location:update")).as("each update once").isEmpty();
            for (int i = 1; i <= 10; i++) {
                assertThat(late.awaitEvent("location:update").get(0).path("lat").asDouble())
                        .isEqualTo(18.50 + i / 1000.0);
            }
            passenger.disconnect();
            assertThat(a.api().get("/api/v1/trips/" + r.trip() + "/location", r.passenger().token()).json()
                    .path("lat").asDouble()).as("the latest location, from this node's copy").isEqualTo(18.51);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(a.api()
                    .get("/api/v1/trips/" + r.trip() + "/route", r.passenger().token()).json().path("points"))
                    .as("route history in PostgreSQL").hasSize(10));

            HttpResult sos = a.api().post("/api/v1/sos", r.passenger().token(), map("tripId", r.trip(), "lat", 18.51,
                    "lng", 73.85));
            assertThat(sos.status()).as(sos.text()).isEqualTo(201);
            assertThat(a.api().get("/api/v1/sos/" + sos.str("alertId"), r.passenger().token()).status())
                    .isEqualTo(200);
        } finally {
            cluster.redis.start();
        }
        // written back when Redis returns: the other node reads the location kept on A during the outage
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(cluster.b.api()
                .get("/api/v1/trips/" + r.trip() + "/location", r.passenger().token()).json().path("lat").asDouble())
                .isEqualTo(18.51));
        // the socket that connected during the outage is registered once Redis is back: the passenger is online
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(passengerOnline(cluster.b, r)).isTrue());
    }

    @Test
    void chatSentDuringAnOutage_reachesTheOtherNodeOnceRedisReturns_andTrackingAcrossNodesResumesWithinSeconds() {
        TestNode a = cluster.a;
        TestNode b = cluster.b;
        Ride r = activeRide(a);
        Client passengerOnA = agent.connect(name("pa"), a.api().base(), r.passenger().token());
        Client driverOnB = agent.connect(name("db"), b.api().base(), r.driver().token());
        Client watcherOnB = agent.connect(name("wb"), b.api().base(), r.passenger().token());
        assertThat(watcherOnB.emitWithAck("track:subscribe", r.trip()).get(0).path("ok").asBoolean()).isTrue();
        JsonNode before = passengerOnA.emitWithAck("chat:send", Map.of("conversationId", r.conversation(),
                "text", "before")).get(0);
        assertThat(before.path("ok").asBoolean()).as(before.toString()).isTrue();
        assertThat(driverOnB.awaitEvent("chat:message").get(0).path("text").asText()).isEqualTo("before");

        stopRedis();
        for (int i = 1; i <= 5; i++) {
            JsonNode ack = passengerOnA.emitWithAck("chat:send", Map.of("conversationId", r.conversation(),
                    "text", "during-" + i)).get(0);
            assertThat(ack.path("ok").asBoolean()).as(ack.toString()).isTrue();
        }
        assertThat(a.node().gateway().broker().stats().held()).as("held, not dropped").isGreaterThanOrEqualTo(5);
        // a sustained outage (8 s): long enough for Lettuce's default reconnect backoff to reach seconds
        long down = System.nanoTime();
        double[] outageLat = {18.60};
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
            outageLat[0] += 0.001;
            HttpResult during = a.api().post("/api/v1/trips/" + r.trip() + "/location", r.driver().token(),
                    map("lat", outageLat[0], "lng", 73.9));
            assertThat(during.json().path("degraded").asBoolean()).as(during.text()).isTrue();
            return System.nanoTime() - down > Duration.ofSeconds(8).toNanos();
        });

        cluster.redis.start();
        long back = System.nanoTime();
        for (int i = 1; i <= 5; i++) {
            assertThat(driverOnB.awaitEvent("chat:message", x -> true, Duration.ofSeconds(10)).get(0).path("text")
                    .asText()).isEqualTo("during-" + i);
        }
        Duration chatBack = Duration.ofNanos(System.nanoTime() - back);
        assertThat(watcherOnB.awaitEvent("location:update", x -> true, Duration.ofSeconds(10)).get(0).path("lat")
                .asDouble()).as("the latest location kept on A, written back and published").isEqualTo(outageLat[0]);
        // a fresh update posted on A reaches the listener on B
        double[] lat = {18.70};
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            lat[0] += 0.001;
            HttpResult posted = a.api().post("/api/v1/trips/" + r.trip() + "/location", r.driver().token(),
                    map("lat", lat[0], "lng", 73.9));
            assertThat(posted.status()).as(posted.text()).isEqualTo(202);
            assertThat(posted.json().path("degraded").asBoolean()).isFalse();
            assertThat(watcherOnB.eventsNamed("location:update")).isNotEmpty();
        });
        Duration trackingBack = Duration.ofNanos(System.nanoTime() - back);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
            a.api().get("/api/v1/me", r.driver().token()); // a call through the breaker
            return redisBreaker(a).equals("closed");
        });
        Duration breakerBack = Duration.ofNanos(System.nanoTime() - back);
        System.out.printf("Redis outage recovery: chat held during the outage on node B after %d ms, tracking "
                + "A→B after %d ms, Redis breaker closed after %d ms%n", chatBack.toMillis(), trackingBack.toMillis(),
                breakerBack.toMillis());
        assertThat(trackingBack).as("tracking across nodes back within 5 s of Redis's return")
                .isLessThan(Duration.ofSeconds(5));
        assertThat(breakerBack).as("the breaker closes without waiting out its 30 s window")
                .isLessThan(Duration.ofSeconds(10));

        settle(driverOnB);
        assertThat(driverOnB.eventsNamed("chat:message")).as("each held message once").isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> a.node().gateway().broker().stats().held() == 0);
    }
}
