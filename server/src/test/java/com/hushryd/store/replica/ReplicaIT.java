package com.hushryd.store.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.ApiClient;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.OwnPostgres;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestRedis;
import com.hushryd.testing.TestReplica;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes on one primary with a real streaming replica of it (DATABASE_READ_URLS), sharing Redis: reads go to the
 * replica, a stopped replica changes nothing users see, and a replica whose replay is paused never shows users a view
 * older than their own writes. Node {@code tolerant} keeps the paused replica in rotation (DB_REPLICA_MAX_LAG 1h), so
 * only the read-your-writes marks protect its users; node {@code strict} takes it out after 500 ms of lag.
 */
class ReplicaIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    static OwnPostgres primary;
    static TestReplica replica;
    static TestRedis.Dedicated redis;
    static TestNode strict;
    static TestNode tolerant;
    static Account driver;

    @BeforeAll
    static void start() {
        primary = OwnPostgres.start();
        replica = TestReplica.of(primary);
        redis = TestRedis.dedicated();
        strict = node("replica-strict", "500ms");
        tolerant = node("replica-tolerant", "1h");
        driver = strict.register("driver");
    }

    private static TestNode node(String id, String maxLag) {
        return TestNode.start(Map.of("NODE_ID", id, "DATABASE_URL", primary.url(), "DATABASE_READ_URLS",
                replica.url(), "DB_REPLICA_MAX_LAG", maxLag, "REDIS_URL", redis.url()));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {tolerant, strict, redis, replica, primary}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // closing what remains
            }
        }
    }

    @AfterEach
    void replicaBackToNormal() {
        replica.up();
        replica.resumeReplay();
        awaitInRotation(strict, true);
        awaitInRotation(tolerant, true);
    }

    private static void awaitInRotation(TestNode node, boolean in) {
        await().atMost(WAIT).until(() -> node.node().reads().replicas().get(0).inRotation() == in);
    }

    private static List<String> bookingIds(TestNode node, Account who) {
        HttpResult r = node.api().get("/api/v1/bookings?limit=100", who.token());
        assertThat(r.status()).as("GET /bookings: %s", r).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        for (JsonNode b : r.json().path("items")) {
            ids.add(b.path("id").asText());
        }
        return ids;
    }

    private static String book(TestNode node, Account passenger, String trip) {
        HttpResult r = node.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(),
                ApiClient.map("seats", 1));
        assertThat(r.status()).as("booking: %s", r).isEqualTo(201);
        return r.str("id");
    }

    @Test
    void searchesAndTripReads_replicaInRotation_runOnTheReplica() {
        awaitInRotation(tolerant, true);
        Account passenger = tolerant.register("passenger");
        String trip = strict.createTrip(driver, "Nashik", "Pune", 2, 3, 250);
        // the passenger wrote nothing: once the replica has the trip, their reads are the replica's
        await().atMost(WAIT).until(() -> tolerant.api().get("/api/v1/trips/" + trip, passenger.token()).status() == 200);
        long before = replica.scans("trips");
        for (int i = 0; i < 10; i++) {
            HttpResult r = tolerant.api().get("/api/v1/trips/search?from=Nashik&to=Pune&limit=" + (i + 1),
                    passenger.token());
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().path("items").size()).isEqualTo(1);
        }
        await().atMost(WAIT).until(() -> replica.scans("trips") >= before + 10);
        String metrics = tolerant.api().get("/metrics", null).text();
        assertThat(metrics).contains("hushryd_db_reads_total{").contains("target=\"replica-1\"")
                .contains("hushryd_db_replica_in_rotation{");
    }

    @Test
    void bookThenList_replicaReplayPaused_ownBookingVisibleOnTheOtherNode() {
        Account passenger = strict.register("passenger");
        String trip = strict.createTrip(driver, "Agra", "Delhi", 3, 4, 300);
        await().atMost(WAIT).until(() -> tolerant.api().get("/api/v1/trips/" + trip, passenger.token()).status() == 200);
        replica.pauseReplay();

        String booking = book(strict, passenger, trip);
        // at once, on the other node, whose paused replica stays in rotation: the passenger's mark sends it to the
        // primary
        assertThat(bookingIds(tolerant, passenger)).contains(booking);
        assertThat(tolerant.node().reads().replicas().get(0).inRotation()).isTrue();
        // the driver did not write it: the tolerant node serves the driver the replica's older view (so the replica
        // really is behind and in use)
        assertThat(bookingIds(tolerant, driver)).doesNotContain(booking);
        // cancel, then list again at once: the cancellation is seen too
        HttpResult cancelled = tolerant.api().delete("/api/v1/bookings/" + booking, passenger.token());
        assertThat(cancelled.status()).isEqualTo(200);
        HttpResult list = strict.api().get("/api/v1/bookings?limit=100", passenger.token());
        assertThat(list.json().path("items").get(0).path("status").asText()).isEqualTo("cancelled");
        // the strict node took the lagging replica out of rotation: everyone reads the primary there
        awaitInRotation(strict, false);
        assertThat(bookingIds(strict, driver)).contains(booking);

        replica.resumeReplay();
        await().atMost(WAIT).until(() -> bookingIds(tolerant, driver).contains(booking));
    }

    @Test
    void redisDown_marksUnreadable_ownWritesStillVisible() {
        Account passenger = strict.register("passenger");
        String trip = strict.createTrip(driver, "Surat", "Vapi", 3, 4, 150);
        await().atMost(WAIT).until(() -> tolerant.api().get("/api/v1/trips/" + trip, passenger.token()).status() == 200);
        replica.pauseReplay();
        redis.stop();
        try {
            // the mark cannot be shared, nor read on the other node: that node reads this user's data from the primary
            String booking = book(strict, passenger, trip);
            assertThat(bookingIds(tolerant, passenger)).contains(booking);
            assertThat(bookingIds(strict, passenger)).contains(booking);
        } finally {
            redis.start();
        }
    }

    @Test
    void replicaStopped_readsFallBackToThePrimary_noErrors() {
        Account passenger = tolerant.register("passenger");
        String trip = strict.createTrip(driver, "Indore", "Bhopal", 2, 4, 200);
        replica.down();
        // before and after the nodes notice: every read answers, from the primary
        for (int i = 0; i < 20; i++) {
            TestNode node = i % 2 == 0 ? strict : tolerant;
            HttpResult search = node.api().get("/api/v1/trips/search?from=Indore&to=Bhopal&limit=" + (i + 1),
                    passenger.token());
            assertThat(search.status()).as("search with the replica down: %s", search).isEqualTo(200);
            assertThat(search.json().path("items").size()).isEqualTo(1);
            assertThat(node.api().get("/api/v1/trips/" + trip, passenger.token()).status()).isEqualTo(200);
            assertThat(bookingIds(node, passenger)).isEmpty();
        }
        String booking = book(tolerant, passenger, trip);
        assertThat(bookingIds(strict, passenger)).containsExactly(booking);
        awaitInRotation(strict, false);
        awaitInRotation(tolerant, false);
        // a node starting while its replica is down starts, and serves reads from the primary
        try (TestNode late = node("replica-late", "2s")) {
            assertThat(late.node().reads().replicas().get(0).inRotation()).isFalse();
            assertThat(bookingIds(late, passenger)).containsExactly(booking);
        }
        assertThat(strict.api().get("/api/v1/conversations", passenger.token()).status()).isEqualTo(200);
        // back: it rejoins rotation by itself (the @AfterEach waits for that)
    }
}
