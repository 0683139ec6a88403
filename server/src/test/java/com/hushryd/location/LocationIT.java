package com.hushryd.location;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Live tracking on one node: updates in, fan-out, authorization, validation, history and the nearby search. */
class LocationIT {
    static TestNode node;
    static SocketIoAgent agent;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("LOCATION_HISTORY_FLUSH", "200ms", "LOCATION_TTL", "3s"));
        agent = SocketIoAgent.start();
    }

    @AfterAll
    static void stop() {
        agent.close();
        node.close();
    }

    /** A started trip with one booked passenger. */
    record Ride(Account driver, Account passenger, String trip) {
    }

    static Ride activeRide() {
        Account driver = node.register("driver");
        Account passenger = node.register("passenger");
        String trip = node.createTrip(driver, "Bengaluru", "Mysuru", 1, 3, 300);
        assertThat(node.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1))
                .status()).isEqualTo(201);
        assertThat(node.api().post("/api/v1/trips/" + trip + "/start", driver.token(), "").status()).isEqualTo(200);
        return new Ride(driver, passenger, trip);
    }

    private static String name(String p) {
        return p + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Map<String, Object> loc(double lat, double lng, long ts) {
        return map("lat", lat, "lng", lng, "speed", 42.5, "heading", 90, "timestamp", ts);
    }

    @Test
    void driverUpdateOverSocket_reachesTheSubscribedPassenger_andIsTheLatest() {
        Ride r = activeRide();
        Client passenger = agent.connect(name("p"), node.api().base(), r.passenger().token());
        Client driver = agent.connect(name("d"), node.api().base(), r.driver().token());
        JsonNode sub = passenger.emitWithAck("track:subscribe", r.trip()).get(0);
        assertThat(sub.path("ok").asBoolean()).as(sub.toString()).isTrue();
        assertThat(sub.path("data").path("location").isNull()).isTrue();

        long ts = System.currentTimeMillis();
        Map<String, Object> update = new HashMap<>(loc(12.9716, 77.5946, ts));
        update.put("tripId", r.trip());
        JsonNode ack = driver.emitWithAck("location:update", update).get(0);
        assertThat(ack.path("ok").asBoolean()).as(ack.toString()).isTrue();
        assertThat(ack.path("data").path("stored").asBoolean()).isTrue();

        JsonNode got = passenger.awaitEvent("location:update").get(0);
        assertThat(got.path("lat").asDouble()).isEqualTo(12.9716);
        assertThat(got.path("speed").asDouble()).isEqualTo(42.5);
        assertThat(Instant.parse(got.path("timestamp").asText()).toEpochMilli()).isEqualTo(ts);
        // a read after the acknowledged update returns it (seed 001, Property 1)
        HttpResult latest = node.api().get("/api/v1/trips/" + r.trip() + "/location", r.passenger().token());
        assertThat(latest.json().path("lat").asDouble()).isEqualTo(12.9716);

        Client late = agent.connect(name("late"), node.api().base(), r.passenger().token());
        JsonNode lateSub = late.emitWithAck("track:subscribe", Map.of("tripId", r.trip())).get(0);
        assertThat(lateSub.path("data").path("location").path("lat").asDouble())
                .as("subscribe answers with the last known location").isEqualTo(12.9716);
        JsonNode unsub = late.emitWithAck("track:unsubscribe", r.trip()).get(0);
        assertThat(unsub.path("ok").asBoolean()).isTrue();
    }

    @Test
    void httpUpdate_olderThanTheStoredOne_isKeptOutOfTheLatest() {
        Ride r = activeRide();
        long now = System.currentTimeMillis();
        HttpResult first = node.api().post("/api/v1/trips/" + r.trip() + "/location", r.driver().token(),
                loc(10, 20, now));
        assertThat(first.status()).isEqualTo(202);
        assertThat(first.json().path("stored").asBoolean()).isTrue();
        HttpResult older = node.api().post("/api/v1/trips/" + r.trip() + "/location", r.driver().token(),
                loc(11, 21, now - 5000));
        assertThat(older.status()).isEqualTo(202);
        assertThat(older.json().path("stored").asBoolean()).isFalse();
        assertThat(node.api().get("/api/v1/trips/" + r.trip() + "/location", r.driver().token()).json()
                .path("lat").asDouble()).isEqualTo(10);
    }

    @Test
    void onlyTheDriver_ofAnActiveTrip_mayUpdate_andOnlyParticipantsMayWatch() {
        Ride r = activeRide();
        Account stranger = node.register("passenger");
        Account otherDriver = node.register("driver");
        String path = "/api/v1/trips/" + r.trip() + "/location";
        long now = System.currentTimeMillis();
        assertThat(node.api().post(path, r.passenger().token(), loc(1, 1, now)).status()).isEqualTo(403);
        assertThat(node.api().post(path, otherDriver.token(), loc(1, 1, now)).status()).isEqualTo(403);
        assertThat(node.api().get(path, stranger.token()).status()).as("no hint the trip is tracked").isEqualTo(404);
        assertThat(node.api().post("/api/v1/trips/" + UUID.randomUUID() + "/location", r.driver().token(),
                loc(1, 1, now)).status()).isEqualTo(404);

        Client s = agent.connect(name("s"), node.api().base(), stranger.token());
        JsonNode refused = s.emitWithAck("track:subscribe", r.trip()).get(0);
        assertThat(refused.path("error").path("code").asText()).isEqualTo("NOT_FOUND");

        String scheduled = node.createTrip(r.driver(), "A", "B", 2, 2, 10);
        HttpResult notActive = node.api().post("/api/v1/trips/" + scheduled + "/location", r.driver().token(),
                loc(1, 1, now));
        assertThat(notActive.status()).isEqualTo(409);
        assertThat(notActive.errorCode()).isEqualTo("TRIP_NOT_ACTIVE");

        node.api().post("/api/v1/trips/" + r.trip() + "/complete", r.driver().token(), "");
        HttpResult afterEnd = node.api().post(path, r.driver().token(), loc(1, 1, now + 1));
        assertThat(afterEnd.errorCode()).as("the trip's end applies at once on this node").isEqualTo("TRIP_NOT_ACTIVE");
    }

    @Test
    void badUpdates_areRefusedNamingTheField() {
        Ride r = activeRide();
        String path = "/api/v1/trips/" + r.trip() + "/location";
        long now = System.currentTimeMillis();
        Map<String, Object> cases = new java.util.LinkedHashMap<>();
        cases.put("lat", map("lat", 91, "lng", 1));
        cases.put("lng", map("lat", 1, "lng", -181));
        cases.put("speed", map("lat", 1, "lng", 1, "speed", -3));
        cases.put("heading", map("lat", 1, "lng", 1, "heading", 400));
        cases.put("timestamp", map("lat", 1, "lng", 1, "timestamp", now + 3_600_000));
        cases.put("accuracy", map("lat", 1, "lng", 1, "accuracy", "good"));
        for (Map.Entry<String, Object> c : cases.entrySet()) {
            HttpResult res = node.api().post(path, r.driver().token(), c.getValue());
            assertThat(res.status()).as(c.getKey() + ": " + res.text()).isEqualTo(400);
            assertThat(res.errorField()).isEqualTo(c.getKey());
        }
        assertThat(node.api().post(path, r.driver().token(), map("lat", 1, "lng", 1, "timestamp", "yesterday"))
                .errorField()).isEqualTo("timestamp");
        assertThat(node.api().post(path, r.driver().token(), map("lat", 1, "lng", 1, "altitude", 3)).errorField())
                .isEqualTo("altitude");
        assertThat(node.api().post(path, r.driver().token(), map("lat", 1, "lng", 1, "timestamp",
                Instant.now().toString())).status()).as("ISO timestamps are accepted too").isEqualTo(202);

        Client driver = agent.connect(name("d"), node.api().base(), r.driver().token());
        JsonNode noTrip = driver.emitWithAck("location:update", map("lat", 1, "lng", 1)).get(0);
        assertThat(noTrip.path("error").path("details").path("field").asText()).isEqualTo("tripId");
        JsonNode badLat = driver.emitWithAck("location:update", map("tripId", r.trip(), "lat", "north", "lng", 1))
                .get(0);
        assertThat(badLat.path("error").path("details").path("field").asText()).isEqualTo("lat");
        JsonNode badSub = driver.emitWithAck("track:subscribe", 42).get(0);
        assertThat(badSub.path("error").path("code").asText()).isEqualTo("BAD_ARGUMENTS");
    }

    @Test
    void batch_reportsEachItem_andStoresTheGoodOnes() {
        Ride r = activeRide();
        Ride other = activeRide();
        long now = System.currentTimeMillis();
        List<Object> updates = List.of(
                map("tripId", r.trip(), "lat", 1, "lng", 1, "timestamp", now - 2000),
                map("tripId", r.trip(), "lat", 2, "lng", 2, "timestamp", now - 1000),
                map("tripId", r.trip(), "lat", 99, "lng", 2),
                map("tripId", other.trip(), "lat", 3, "lng", 3),
                map("tripId", "nope", "lat", 3, "lng", 3));
        HttpResult res = node.api().post("/api/v1/locations/batch", r.driver().token(), map("updates", updates));
        assertThat(res.status()).as(res.text()).isEqualTo(202);
        assertThat(res.json().path("stored").asInt()).isEqualTo(2);
        JsonNode items = res.json().path("results");
        assertThat(items.get(2).path("error").path("details").path("field").asText()).isEqualTo("lat");
        assertThat(items.get(3).path("error").path("code").asText()).isEqualTo("FORBIDDEN");
        assertThat(items.get(4).path("error").path("details").path("field").asText()).isEqualTo("updates[4].tripId");
        assertThat(node.api().post("/api/v1/locations/batch", r.driver().token(), map("updates", List.of()))
                .errorField()).isEqualTo("updates");
        assertThat(node.api().post("/api/v1/locations/batch", r.driver().token(), map("points", List.of()))
                .errorField()).isEqualTo("points");
    }

    @Test
    void route_returnsThePointsInTimeOrder_pagedByCursor() {
        Ride r = activeRide();
        long base = System.currentTimeMillis() - 60_000;
        for (int i = 0; i < 12; i++) {
            // sent out of order: the route is ordered by the time of each point
            long ts = base + (i % 2 == 0 ? i : 20 - i) * 1000L;
            node.api().post("/api/v1/trips/" + r.trip() + "/location", r.driver().token(), loc(10 + i, 20, ts));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> node.api().get("/api/v1/trips/" + r.trip()
                + "/route?limit=100", r.passenger().token()).json().path("points").size() == 12);
        HttpResult page1 = node.api().get("/api/v1/trips/" + r.trip() + "/route?limit=5", r.passenger().token());
        String cursor = page1.json().path("nextCursor").asText();
        HttpResult page2 = node.api().get("/api/v1/trips/" + r.trip() + "/route?limit=100&cursor=" + cursor,
                r.passenger().token());
        List<Instant> times = new java.util.ArrayList<>();
        page1.json().path("points").forEach(p -> times.add(Instant.parse(p.path("timestamp").asText())));
        page2.json().path("points").forEach(p -> times.add(Instant.parse(p.path("timestamp").asText())));
        assertThat(times).hasSize(12).isSorted();
        assertThat(node.api().get("/api/v1/trips/" + r.trip() + "/route", node.register("passenger").token())
                .status()).isEqualTo(404);
        assertThat(node.api().get("/api/v1/trips/" + r.trip() + "/route?cursor=zz", r.driver().token()).errorCode())
                .isEqualTo("INVALID_CURSOR");
    }

    @Test
    void nearby_listsOnlineDriversByDistance_andDropsThoseWhoStopSending() {
        Account d1 = node.register("driver");
        Account d2 = node.register("driver");
        Account rider = node.register("passenger");
        double lat = -33.8688;
        double lng = 151.2093;
        assertThat(node.api().post("/api/v1/drivers/me/online", d2.token(), map("lat", lat + 0.01, "lng", lng))
                .status()).isEqualTo(200);
        assertThat(node.api().post("/api/v1/drivers/me/online", d1.token(), map("lat", lat + 0.001, "lng", lng))
                .status()).isEqualTo(200);
        HttpResult found = node.api().get("/api/v1/drivers/nearby?lat=" + lat + "&lng=" + lng + "&radiusKm=5",
                rider.token());
        assertThat(found.json().path("items")).extracting(n -> n.path("driverId").asText())
                .containsExactly(d1.id(), d2.id());
        assertThat(found.json().path("items").get(0).path("name").asText()).startsWith("driver");
        assertThat(found.json().path("items").get(0).path("distanceKm").asDouble()).isBetween(0.05, 0.2);

        node.api().post("/api/v1/drivers/me/offline", d2.token(), "");
        assertThat(node.api().get("/api/v1/drivers/nearby?lat=" + lat + "&lng=" + lng, rider.token()).json()
                .path("items")).hasSize(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> node.api().get("/api/v1/drivers/nearby?lat=" + lat
                + "&lng=" + lng, rider.token()).json().path("items").isEmpty());

        assertThat(node.api().post("/api/v1/drivers/me/online", rider.token(), map("lat", 1, "lng", 1)).status())
                .isEqualTo(403);
        assertThat(node.api().post("/api/v1/drivers/me/online", d1.token(), map("lat", 89, "lng", 1)).errorField())
                .isEqualTo("lat");
        assertThat(node.api().get("/api/v1/drivers/nearby?lng=1", rider.token()).errorField()).isEqualTo("lat");
        assertThat(node.api().get("/api/v1/drivers/nearby?lat=1&lng=1&radiusKm=500", rider.token()).errorField())
                .isEqualTo("radiusKm");
    }

    @Test
    void metricsAndHealth_reportTracking() {
        Ride r = activeRide();
        node.api().post("/api/v1/trips/" + r.trip() + "/location", r.driver().token(), loc(5, 5,
                System.currentTimeMillis()));
        String metrics = node.api().get("/metrics", null).text();
        assertThat(metrics).contains("hushryd_location_updates_total{").contains("outcome=\"stored\"")
                .contains("hushryd_location_fanout_seconds_bucket").contains("hushryd_location_history_buffer");
        JsonNode health = node.api().get("/health", null).json().path("checks").path("location");
        assertThat(health.path("store").asText()).isEqualTo("in-process");
    }
}
