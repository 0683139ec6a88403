package com.hushryd.realtime;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestPostgres;
import com.hushryd.testing.TestRedisCluster;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two nodes on one PostgreSQL and a Redis Cluster (3 masters, 3 replicas): location, chat and SOS cross nodes. */
class RedisClusterNodesIT {
    static final String ADMIN_PHONE = "+919999999973";
    static final String ADMIN_PASSWORD = "admin-password-73";
    static String database;
    static TestNode a;
    static TestNode b;
    static SocketIoAgent agent;

    @BeforeAll
    static void start() {
        database = TestPostgres.get().newDatabase();
        a = node("cluster-a");
        b = node("cluster-b");
        agent = SocketIoAgent.start();
    }

    static TestNode node(String id) {
        return TestNode.start(Map.of("DATABASE_URL", database, "REDIS_URL", TestRedisCluster.url(), "NODE_ID", id,
                "ADMIN_PHONE", ADMIN_PHONE, "ADMIN_PASSWORD", ADMIN_PASSWORD));
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    private static String name(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    record Ride(Account driver, Account passenger, String trip, String conversation) {
    }

    static Ride activeRide() {
        Account driver = a.register("driver");
        Account passenger = a.register("passenger");
        String trip = a.createTrip(driver, "Mysuru", "Mandya", 1, 3, 200);
        String booking = a.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1))
                .str("id");
        assertThat(a.api().post("/api/v1/trips/" + trip + "/start", driver.token(), "").status()).isEqualTo(200);
        return new Ride(driver, passenger, trip, booking);
    }

    @Test
    void onARedisCluster_location_chat_andSos_crossNodes() {
        assertThat(a.node().gateway().broker()).isInstanceOfSatisfying(
                com.hushryd.realtime.redis.RedisBroker.class, broker -> assertThat(broker.sharded()).isTrue());
        Ride r = activeRide();
        Client passengerOnB = agent.connect(name("p"), b.api().base(), r.passenger().token());
        Client driverOnA = agent.connect(name("d"), a.api().base(), r.driver().token());
        assertThat(passengerOnB.emitWithAck("track:subscribe", r.trip()).get(0).path("ok").asBoolean()).isTrue();

        // location: posted on A, delivered on B (the store's script publishes on the trip's shard channel)
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            HttpResult posted = a.api().post("/api/v1/trips/" + r.trip() + "/location", r.driver().token(),
                    map("lat", 12.30, "lng", 76.64, "speed", 10, "heading", 90));
            assertThat(posted.status()).isEqualTo(202);
            assertThat(passengerOnB.awaitEvent("location:update", x -> true, Duration.ofSeconds(2)).get(0).path("lat")
                    .asDouble()).isEqualTo(12.30);
        });
        assertThat(b.api().get("/api/v1/trips/" + r.trip() + "/location", r.passenger().token()).json()
                .path("lat").asDouble()).isEqualTo(12.30);

        // chat: sent on A, delivered on B once
        JsonNode ack = driverOnA.emitWithAck("chat:send", Map.of("conversationId", r.conversation(),
                "text", "on my way")).get(0);
        assertThat(ack.path("ok").asBoolean()).as(ack.toString()).isTrue();
        assertThat(passengerOnB.awaitEvent("chat:message").get(0).path("text").asText()).isEqualTo("on my way");
        passengerOnB.emitWithAck("no:such:event", Map.of());
        assertThat(passengerOnB.eventsNamed("chat:message")).as("no duplicate").isEmpty();

        // SOS: raised on A, the admin's socket on B gets the alert
        String adminToken = b.api().post("/api/v1/auth/login", null, map("phone", ADMIN_PHONE,
                "password", ADMIN_PASSWORD)).str("accessToken");
        Client adminOnB = agent.connect(name("admin"), b.api().base(), adminToken);
        adminOnB.emitWithAck("no:such:event", Map.of());
        HttpResult sos = a.api().post("/api/v1/sos", r.passenger().token(), map("tripId", r.trip(), "lat", 12.31,
                "lng", 76.65, "message", "help"));
        assertThat(sos.status()).as(sos.toString()).isEqualTo(201);
        assertThat(adminOnB.awaitEvent("sos:alert").get(0).toString()).contains(sos.str("alertId"));
    }
}
