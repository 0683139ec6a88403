package com.hushryd.location;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestPostgres;
import com.hushryd.testing.TestRedis;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tracking across two nodes sharing PostgreSQL and a real Redis. */
class ClusterLocationIT {
    static TestRedis.Dedicated redis;
    static TestNode a;
    static TestNode b;
    static SocketIoAgent agent;

    @BeforeAll
    static void start() {
        redis = TestRedis.dedicated();
        String db = TestPostgres.get().newDatabase();
        a = TestNode.start(Map.of("DATABASE_URL", db, "REDIS_URL", redis.url(), "NODE_ID", "loc-a"));
        b = TestNode.start(Map.of("DATABASE_URL", db, "REDIS_URL", redis.url(), "NODE_ID", "loc-b"));
        agent = SocketIoAgent.start();
    }

    @AfterAll
    static void stop() {
        agent.close();
        a.close();
        b.close();
        redis.close();
    }

    @Test
    void driverOnNodeA_reachesThePassengerOnNodeB_andTheAckedUpdateIsReadableOnB() {
        Account driver = a.register("driver");
        Account passenger = a.register("passenger");
        String trip = a.createTrip(driver, "Pune", "Nashik", 1, 2, 400);
        a.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1));
        a.api().post("/api/v1/trips/" + trip + "/start", driver.token(), "");

        Client onB = agent.connect("passenger-b", b.api().base(), passenger.token());
        assertThat(onB.emitWithAck("track:subscribe", trip).get(0).path("ok").asBoolean()).isTrue();
        Client onA = agent.connect("driver-a", a.api().base(), driver.token());
        for (int i = 1; i <= 20; i++) {
            JsonNode ack = onA.emitWithAck("location:update", map("tripId", trip, "lat", 18.0 + i / 100.0,
                    "lng", 73.8, "timestamp", System.currentTimeMillis())).get(0);
            assertThat(ack.path("ok").asBoolean()).as(ack.toString()).isTrue();
            // acknowledged on node A, so readable on node B at once
            assertThat(b.api().get("/api/v1/trips/" + trip + "/location", passenger.token()).json().path("lat")
                    .asDouble()).isEqualTo(18.0 + i / 100.0);
        }
        for (int i = 1; i <= 20; i++) {
            double expected = 18.0 + i / 100.0;
            assertThat(onB.awaitEvent("location:update").get(0).path("lat").asDouble()).isEqualTo(expected);
        }
        onB.emitWithAck("track:unsubscribe", trip);
        assertThat(onB.eventsNamed("location:update")).as("each update once, in order").isEmpty();
    }

    @Test
    void tripStartedOnNodeA_takesUpdatesOnNodeB_thoughBCachedItAsScheduled() {
        Account driver = a.register("driver");
        String trip = a.createTrip(driver, "Satara", "Kolhapur", 1, 2, 300);
        Client onB = agent.connect("early-driver-b", b.api().base(), driver.token());
        JsonNode early = onB.emitWithAck("location:update", map("tripId", trip, "lat", 17.7, "lng", 74.0)).get(0);
        assertThat(early.path("error").path("code").asText()).as("B now caches the trip as scheduled")
                .isEqualTo("TRIP_NOT_ACTIVE");
        assertThat(a.api().post("/api/v1/trips/" + trip + "/start", driver.token(), "").status()).isEqualTo(200);
        // B's cached state lives 5 s; a refusal is re-read after 0.5 s, so the update is taken well before 5 s. The
        // wait is allowed longer than the cache, so that taking it only once the cache expired fails the bound below.
        long started = System.nanoTime();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            JsonNode ack = onB.emitWithAck("location:update", map("tripId", trip, "lat", 17.8, "lng", 74.1)).get(0);
            assertThat(ack.path("ok").asBoolean()).as(ack.toString()).isTrue();
        });
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("taken after the re-read, not the cache expiry")
                .isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void driverOnlineThroughNodeA_isFoundFromNodeB() {
        Account driver = a.register("driver");
        Account rider = b.register("passenger");
        a.api().post("/api/v1/drivers/me/online", driver.token(), map("lat", 28.6139, "lng", 77.2090));
        JsonNode items = b.api().get("/api/v1/drivers/nearby?lat=28.61&lng=77.21&radiusKm=2", rider.token()).json()
                .path("items");
        assertThat(items).extracting(n -> n.path("driverId").asText()).contains(driver.id());
        assertThat(b.api().get("/health", null).json().path("checks").path("location").path("store").asText())
                .isEqualTo("redis");
    }
}
