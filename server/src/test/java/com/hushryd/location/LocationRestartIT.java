package com.hushryd.location;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import com.hushryd.testing.NodeProcess;
import com.hushryd.testing.Sql;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The route history buffered on a node is written when the node stops gracefully; a node killed with {@code kill -9}
 * loses at most the points of its last {@code LOCATION_HISTORY_FLUSH} window.
 */
class LocationRestartIT {
    private static final Duration FLUSH = Duration.ofMillis(500);
    // how long a due write may take to commit on a loaded 2-core test machine, on top of the flush interval
    private static final Duration WRITE_SLACK = Duration.ofSeconds(3);

    @Test
    void historyBufferedAtShutdown_survivesTheRestart() {
        // a flush interval far longer than the test: only the graceful stop can have written the points
        Map<String, String> env = new HashMap<>(Map.of("LOCATION_HISTORY_FLUSH", "5m",
                "LOCATION_HISTORY_BATCH", "100000"));
        String trip;
        Account driver;
        try (TestNode first = TestNode.start(env)) {
            env.putAll(first.settings());
            driver = first.register("driver");
            Account passenger = first.register("passenger");
            trip = first.createTrip(driver, "Chennai", "Pondicherry", 1, 2, 200);
            first.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1));
            first.api().post("/api/v1/trips/" + trip + "/start", driver.token(), "");
            long t = System.currentTimeMillis() - 10_000;
            for (int i = 0; i < 25; i++) {
                assertThat(first.api().post("/api/v1/trips/" + trip + "/location", driver.token(),
                        map("lat", 12.0 + i / 1000.0, "lng", 80.0, "timestamp", t + i * 100)).status()).isEqualTo(202);
            }
            assertThat(first.node().locationHistory().written()).as("nothing written before the stop").isZero();
        }
        try (TestNode second = TestNode.restart(env)) {
            assertThat(second.api().get("/api/v1/trips/" + trip + "/route", driver.token()).json().path("points"))
                    .hasSize(25);
        }
    }

    @Test
    void kill9WhileLocationsStream_historyLosesAtMostTheLastFlushWindow() throws Exception {
        Map<String, String> env = Map.of("LOCATION_HISTORY_FLUSH", FLUSH.toMillis() + "ms");
        try (NodeProcess first = NodeProcess.start("location-crash", env)) {
            Account driver = first.register("driver");
            Account passenger = first.register("passenger");
            String trip = first.createTrip(driver, "Madurai", "Rameswaram", 1, 2, 250);
            assertThat(first.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1))
                    .status()).isEqualTo(201);
            assertThat(first.api().post("/api/v1/trips/" + trip + "/start", driver.token(), "").status())
                    .isEqualTo(200);

            // a steady stream: point i has latitude 10 + i/100000 and is acknowledged at acked[i] (System.nanoTime)
            Map<Integer, Long> acked = new ConcurrentHashMap<>();
            AtomicInteger next = new AtomicInteger();
            long base = System.currentTimeMillis() - 60_000;
            ScheduledExecutorService stream = Executors.newSingleThreadScheduledExecutor();
            long killedAt;
            try {
                stream.scheduleWithFixedDelay(() -> {
                    int i = next.getAndIncrement();
                    try {
                        int status = first.api().post("/api/v1/trips/" + trip + "/location", driver.token(),
                                map("lat", 10 + i / 100_000.0, "lng", 78.0, "timestamp", base + i)).status();
                        if (status == 202) {
                            acked.put(i, System.nanoTime());
                        }
                    } catch (IllegalStateException e) {
                        // the node is gone
                    }
                }, 0, 10, TimeUnit.MILLISECONDS);
                // the stream runs well past the loss window, and periodic writes have reached the database
                long started = System.nanoTime();
                await().atMost(Duration.ofSeconds(90)).until(() -> System.nanoTime() - started
                        > FLUSH.plus(WRITE_SLACK).multipliedBy(2).toNanos()
                        && Sql.number(first.database(), "SELECT count(*) FROM trip_locations") > 0);
                killedAt = System.nanoTime();
                first.kill9();
            } finally {
                stream.shutdownNow();
                assertThat(stream.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
            }

            try (NodeProcess second = first.restart()) {
                assertThat(second.api().get("/api/v1/trips/" + trip + "/route?limit=1", driver.token()).status())
                        .as("the restarted node serves the route").isEqualTo(200);
            }
            Set<Integer> stored = Sql.rows(first.database(), "SELECT lat FROM trip_locations WHERE trip_id = ?::uuid",
                    java.util.UUID.fromString(trip)).stream()
                    .map(r -> (int) Math.round((((Number) r.get("lat")).doubleValue() - 10) * 100_000))
                    .collect(Collectors.toSet());
            assertThat(stored).as("only points that were sent").allMatch(i -> i < next.get());
            long window = FLUSH.plus(WRITE_SLACK).toNanos();
            List<Integer> lostEarly = acked.entrySet().stream().filter(e -> !stored.contains(e.getKey())
                    && e.getValue() < killedAt - window).map(Map.Entry::getKey).sorted().toList();
            long lost = acked.keySet().stream().filter(i -> !stored.contains(i)).count();
            long inWindow = acked.values().stream().filter(t -> t >= killedAt - window).count();
            System.out.printf("LocationRestartIT: %d points acknowledged, %d stored, %d lost, %d acknowledged in the last "
                    + "%s + %s before the kill%n", acked.size(), stored.size(), lost, inWindow, FLUSH, WRITE_SLACK);
            assertThat(lostEarly).as("acknowledged points lost though acknowledged more than " + FLUSH + " + "
                    + WRITE_SLACK + " before the kill (" + acked.size() + " acknowledged, " + lost + " lost, "
                    + inWindow + " in the last window)").isEmpty();
        }
    }
}
