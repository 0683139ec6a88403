package com.hushryd.trips;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.testing.HttpResult;
import com.hushryd.testing.NodeProcess;
import com.hushryd.testing.Sql;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A burst of concurrent bookings on two node processes sharing one database, one of them killed with {@code kill -9}
 * in the middle of it. The verdict is read from PostgreSQL.
 *
 * <p>What is allowed: every booking answered 201 exists, confirmed, as requested; on every trip the seats left plus
 * the seats of its confirmed bookings are its seats (nothing oversold, no seat lost). A booking nobody was told about
 * may exist only for a request that was in flight on the killed node (its transaction committed, the answer was
 * lost): there are at most as many of those as the killed node had requests open at the kill.
 */
class BookingCrashIT {
    private static final int TRIPS = 6;
    private static final int SEATS = 20;
    private static final int PASSENGERS = 20;
    private static final int IN_FLIGHT_PER_NODE = 6;

    private final List<NodeProcess> nodes = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        nodes.forEach(NodeProcess::close);
    }

    private record Request(Account passenger, String trip, int seats, boolean toKilled) {
    }

    /** The outcome of one request: the answer, or null when the connection failed (the outcome is unknown). */
    private record Outcome(Request request, HttpResult answer) {
    }

    @Test
    void kill9DuringABookingBurst_everyAcknowledgedBookingIsStored_andNoTripIsOversoldOrLosesASeat() throws Exception {
        String database = TestPostgres.get().newDatabase();
        NodeProcess a = NodeProcess.start("booking-crash-a", Map.of("DATABASE_URL", database));
        nodes.add(a);
        NodeProcess b = NodeProcess.start("booking-crash-b", Map.of("DATABASE_URL", database));
        nodes.add(b);

        Account driver = b.register("driver");
        List<String> trips = new ArrayList<>();
        for (int i = 0; i < TRIPS; i++) {
            trips.add(b.createTrip(driver, "Jaipur", "Ajmer", 1 + i, SEATS, 300));
        }
        List<Request> requests = new ArrayList<>();
        for (int i = 0; i < PASSENGERS; i++) {
            Account p = b.register("passenger");
            for (int t = 0; t < TRIPS; t++) {
                // half as many seats again as there are: trips sell out in the second half of the burst, after the kill
                requests.add(new Request(p, trips.get(t), 1 + i % 2, (i + t) % 2 == 0));
            }
        }
        Collections.shuffle(requests, new Random(13));
        long toKilled = requests.stream().filter(Request::toKilled).count();

        List<Outcome> outcomes = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicInteger acknowledgedByKilled = new AtomicInteger();
        java.util.concurrent.CompletableFuture<Void> killed = new java.util.concurrent.CompletableFuture<>();
        ExecutorService onKilled = Executors.newFixedThreadPool(IN_FLIGHT_PER_NODE);
        ExecutorService onSurvivor = Executors.newFixedThreadPool(IN_FLIGHT_PER_NODE);
        try {
            for (Request r : requests) {
                NodeProcess n = r.toKilled() ? a : b;
                (r.toKilled() ? onKilled : onSurvivor).submit(() -> {
                    HttpResult answer;
                    try {
                        answer = n.api().post("/api/v1/trips/" + r.trip() + "/bookings", r.passenger().token(),
                                map("seats", r.seats()));
                    } catch (IllegalStateException e) {
                        answer = null; // connection refused or reset: the node is gone
                    }
                    outcomes.add(new Outcome(r, answer));
                    // killed the moment it acknowledges a booking, a sixth of its requests in: more are in flight
                    if (r.toKilled() && answer != null && answer.status() == 201
                            && acknowledgedByKilled.incrementAndGet() == toKilled / 6) {
                        try {
                            a.kill9();
                            killed.complete(null);
                        } catch (RuntimeException e) {
                            killed.completeExceptionally(e);
                        }
                    }
                });
            }
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(killed)
                    .as("the killed node acknowledged %d bookings; answers so far: %s", acknowledgedByKilled.get(),
                            outcomes.stream().map(o -> o.answer() == null ? "none" : o.answer().status() + "")
                                    .collect(java.util.stream.Collectors.groupingBy(x -> x,
                                            java.util.stream.Collectors.counting()))).isDone());
            killed.join();
        } finally {
            onKilled.shutdown();
            onSurvivor.shutdown();
            assertThat(onKilled.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
            assertThat(onSurvivor.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
        }
        assertThat(outcomes).hasSize(requests.size());

        Set<String> acknowledged = new HashSet<>();
        Set<String> refused = new HashSet<>();
        Set<String> unknown = new HashSet<>();
        Map<String, Integer> seatsAsked = new HashMap<>();
        Map<String, String> ackedIds = new HashMap<>();
        for (Outcome o : outcomes) {
            String pair = o.request().trip() + "/" + o.request().passenger().id();
            seatsAsked.put(pair, o.request().seats());
            if (o.answer() == null) {
                assertThat(o.request().toKilled()).as("the survivor answered every request").isTrue();
                unknown.add(pair);
            } else if (o.answer().status() == 201) {
                acknowledged.add(pair);
                ackedIds.put(pair, o.answer().str("id"));
            } else {
                assertThat(o.answer().status()).as(o.answer().text()).isEqualTo(409);
                assertThat(o.answer().errorCode()).as(o.answer().text()).isEqualTo("SEATS_UNAVAILABLE");
                refused.add(pair);
            }
        }
        assertThat(acknowledged).as("bookings were made").isNotEmpty();
        assertThat(unknown).as("requests to the killed node were cut off").isNotEmpty();

        List<Map<String, Object>> booked = Sql.rows(database, "SELECT id::text AS id, trip_id::text AS trip, "
                + "passenger_id::text AS passenger, seats, status FROM bookings");
        Map<String, Map<String, Object>> bookedByPair = new HashMap<>();
        for (Map<String, Object> row : booked) {
            String pair = row.get("trip") + "/" + row.get("passenger");
            assertThat(bookedByPair.put(pair, row)).as("one booking per passenger and trip").isNull();
            assertThat(row.get("status")).isEqualTo("confirmed");
            assertThat(row.get("seats")).as("seats of " + pair).isEqualTo(seatsAsked.get(pair));
        }
        for (String pair : acknowledged) {
            assertThat(bookedByPair).as("acknowledged booking " + pair).containsKey(pair);
            assertThat(bookedByPair.get(pair).get("id")).isEqualTo(ackedIds.get(pair));
        }
        Set<String> unacknowledged = new HashSet<>(bookedByPair.keySet());
        unacknowledged.removeAll(acknowledged);
        System.out.printf("BookingCrashIT: %d requests, %d booked and acknowledged (%d by the killed node), %d "
                + "refused, %d cut off by the kill of which %d committed%n", requests.size(), acknowledged.size(),
                acknowledgedByKilled.get(), refused.size(), unknown.size(), unacknowledged.size());
        assertThat(unacknowledged).as("bookings nobody was told about come from requests cut off by the kill")
                .isSubsetOf(unknown).hasSizeLessThanOrEqualTo(IN_FLIGHT_PER_NODE);
        assertThat(refused).as("a refused booking was not made").doesNotContainAnyElementsOf(bookedByPair.keySet());

        for (Map<String, Object> trip : Sql.rows(database, "SELECT t.id::text AS id, t.seats_total, "
                + "t.seats_available, COALESCE(sum(b.seats) FILTER (WHERE b.status = 'confirmed'), 0) AS booked "
                + "FROM trips t LEFT JOIN bookings b ON b.trip_id = t.id GROUP BY t.id")) {
            assertThat(((Number) trip.get("seats_available")).intValue() + ((Number) trip.get("booked")).intValue())
                    .as("seats left + seats booked on trip " + trip).isEqualTo(trip.get("seats_total"));
        }
        assertThat(b.api().get("/health/ready", null).status()).as("the survivor is unaffected").isEqualTo(200);
    }
}
