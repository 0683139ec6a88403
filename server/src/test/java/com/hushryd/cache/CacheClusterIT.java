package com.hushryd.cache;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestCluster;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Cached reads on one node see writes made through the other (two nodes, one PostgreSQL, one Redis). */
class CacheClusterIT {
    static TestCluster cluster;
    static TestNode a;
    static TestNode b;

    @BeforeAll
    static void start() {
        cluster = new TestCluster("c", Map.of());
        a = cluster.a;
        b = cluster.b;
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static int seats(TestNode n, String trip, String token) {
        HttpResult r = n.api().get("/api/v1/trips/" + trip, token);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.json().path("seatsAvailable").asInt();
    }

    private static JsonNode searchHit(TestNode n, String from, String to, String trip, String token) {
        HttpResult r = n.api().get("/api/v1/trips/search?from=" + from + "&to=" + to, token);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        for (JsonNode t : r.json().path("items")) {
            if (t.path("id").asText().equals(trip)) {
                return t;
            }
        }
        return null;
    }

    private static double cacheHits(TestNode n, String namespace) {
        double sum = 0;
        for (String line : n.api().get("/metrics", null).text().split("\n")) {
            if (line.startsWith("hushryd_cache_requests_total{") && line.contains("namespace=\"" + namespace + "\"")
                    && line.contains("_hit\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    @Test
    void bookingAndCancellationOnOneNode_reachCachedTripReadsAndSearchesOnTheOther() {
        Account driver = a.register("driver");
        Account rider = a.register("passenger");
        String from = "Udupi" + System.nanoTime();
        String trip = a.createTrip(driver, from, "Manipal", 2, 4, 120);
        assertThat(seats(b, trip, rider.token())).isEqualTo(4);
        assertThat(searchHit(b, from, "Manipal", trip, rider.token()).path("seatsAvailable").asInt()).isEqualTo(4);
        double hits = cacheHits(b, "trip");
        assertThat(seats(b, trip, rider.token())).isEqualTo(4);
        assertThat(cacheHits(b, "trip")).as("second read is a cache hit").isGreaterThan(hits);

        HttpResult booked = a.api().post("/api/v1/trips/" + trip + "/bookings", rider.token(), map("seats", 3));
        assertThat(booked.status()).as(booked.text()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(10)).until(() -> seats(b, trip, rider.token()) == 1);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                searchHit(b, from, "Manipal", trip, rider.token()).path("seatsAvailable").asInt() == 1);

        assertThat(b.api().delete("/api/v1/bookings/" + booked.str("id"), rider.token()).status()).isEqualTo(200);
        assertThat(seats(b, trip, rider.token())).as("the writing node sees its write at once").isEqualTo(4);
        await().atMost(Duration.ofSeconds(10)).until(() -> seats(a, trip, rider.token()) == 4);

        assertThat(a.api().post("/api/v1/trips/" + trip + "/cancel", driver.token(), map()).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> searchHit(b, from, "Manipal", trip, rider.token()) == null);
        assertThat(b.api().get("/api/v1/trips/" + trip, rider.token()).json().path("status").asText())
                .isEqualTo("cancelled");
    }

    @Test
    void profileChangeOnOneNode_reachesTheOther_andCachedProfilesNeverLeakAcrossUsers() {
        Account owner = a.register("driver");
        Account stranger = a.register("passenger");
        HttpResult own = b.api().get("/api/v1/users/" + owner.id(), owner.token());
        assertThat(own.json().path("phone").asText()).isEqualTo(owner.phone());
        HttpResult seen = b.api().get("/api/v1/users/" + owner.id(), stranger.token());
        assertThat(seen.status()).isEqualTo(200);
        assertThat(seen.json().has("phone")).as("public view, though the full row is cached").isFalse();
        assertThat(b.api().get("/api/v1/me", owner.token()).json().path("phone").asText()).isEqualTo(owner.phone());
        assertThat(b.api().get("/api/v1/me", stranger.token()).json().path("phone").asText())
                .isEqualTo(stranger.phone());

        String trip = a.createTrip(owner, "Hubli" + System.nanoTime(), "Dharwad", 1, 2, 80);
        assertThat(b.api().get("/api/v1/trips/" + trip, stranger.token()).json().path("driver").path("name")
                .asText()).startsWith("driver");

        assertThat(a.api().patch("/api/v1/me", owner.token(), map("name", "Renamed Driver")).status())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> "Renamed Driver".equals(
                b.api().get("/api/v1/users/" + owner.id(), stranger.token()).json().path("name").asText()));
        await().atMost(Duration.ofSeconds(10)).until(() -> "Renamed Driver".equals(
                b.api().get("/api/v1/me", owner.token()).json().path("name").asText()));
        await().atMost(Duration.ofSeconds(10)).until(() -> "Renamed Driver".equals(b.api()
                .get("/api/v1/trips/" + trip, stranger.token()).json().path("driver").path("name").asText()));
    }
}
