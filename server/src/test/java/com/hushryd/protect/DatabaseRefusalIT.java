package com.hushryd.protect;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.testing.HttpResult;
import com.hushryd.testing.OwnPostgres;
import com.hushryd.testing.Sql;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL refuses connections under a small load, with the default pool timeout (5 s): the refusals open the
 * breaker within a second or two, requests needing the database get 503 with Retry-After at once instead of waiting
 * for the pool, cached reads keep working, and full service is back within seconds of PostgreSQL's return.
 */
class DatabaseRefusalIT {
    private static final Logger log = LoggerFactory.getLogger(DatabaseRefusalIT.class);

    record Call(long startedMs, long tookMs, int status, String code) {
    }

    @Test
    void postgresRefusing_breakerOpensFast_requests503AtOnce_cachedReadsAndTrackingServed_serviceBackWithinSeconds()
            throws Exception {
        try (OwnPostgres pg = OwnPostgres.start();
                TestNode node = TestNode.start(Map.of("DATABASE_URL", pg.url(), "DB_BREAKER_OPEN", "2s"))) {
            Account driver = node.register("driver");
            Account passenger = node.register("passenger");
            String trip = node.createTrip(driver, "Pune", "Nashik", 1, 20, 200);
            assertThat(node.api().get("/api/v1/me", passenger.token()).status()).isEqualTo(200);
            String driving = node.createTrip(driver, "Pune", "Satara", 0, 2, 100);
            assertThat(node.api().post("/api/v1/trips/" + driving + "/start", driver.token(), map()).status())
                    .isEqualTo(200);
            assertThat(node.api().post("/api/v1/trips/" + driving + "/location", driver.token(),
                    map("lat", 18.52, "lng", 73.85)).status()).isEqualTo(202);
            // a trip this node read while it was scheduled, started here just before the outage, with no update yet:
            // tracking must go on from the state the start recorded, not from the older read (409 TRIP_NOT_ACTIVE)
            String justStarted = node.createTrip(driver, "Pune", "Lonavala", 0, 2, 100);
            assertThat(node.api().get("/api/v1/trips/" + justStarted + "/location", driver.token()).status())
                    .isIn(200, 204, 404);
            assertThat(node.api().post("/api/v1/trips/" + justStarted + "/start", driver.token(), map()).status())
                    .isEqualTo(200);
            // and one this node read while scheduled that another node started (here: straight in the database)
            String startedElsewhere = node.createTrip(driver, "Pune", "Karjat", 0, 2, 100);
            assertThat(node.api().get("/api/v1/trips/" + startedElsewhere + "/location", driver.token()).status())
                    .isIn(200, 204, 404);
            Sql.rows(pg.url(), "UPDATE trips SET status = 'active', started_at = now() WHERE id = ?::uuid RETURNING id",
                    startedElsewhere);
            // a cached "not active" younger than TripAccess.RECHECK_AFTER (0.5 s) is answered as it is, by design;
            // this case is about an older one, which the node must re-read and, with the database down, cannot
            Thread.sleep(1000);

            List<Call> calls = new CopyOnWriteArrayList<>();
            AtomicBoolean running = new AtomicBoolean(true);
            long t0 = System.nanoTime();
            ExecutorService load = Executors.newFixedThreadPool(4);
            for (int i = 0; i < 4; i++) {
                load.execute(() -> {
                    while (running.get()) {
                        long s = System.nanoTime();
                        HttpResult r = node.api().get("/api/v1/bookings", passenger.token());
                        long e = System.nanoTime();
                        calls.add(new Call((s - t0) / 1_000_000, (e - s) / 1_000_000, r.status(), r.errorCode()));
                    }
                });
            }
            try {
                await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() > 20);
                long downAt = (System.nanoTime() - t0) / 1_000_000;
                pg.down();
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                        .until(() -> breaker(node).equals("open"));
                long openAt = (System.nanoTime() - t0) / 1_000_000;

                HttpResult write = node.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(),
                        map("seats", 1));
                assertThat(write.status()).as(write.text()).isEqualTo(503);
                assertThat(write.header("Retry-After")).isNotNull();
                long l0 = System.nanoTime();
                HttpResult location = node.api().post("/api/v1/trips/" + driving + "/location", driver.token(),
                        map("lat", 18.53, "lng", 73.86));
                long locationMs = (System.nanoTime() - l0) / 1_000_000;
                assertThat(location.status()).as("a location update of a trip under way: " + location.text())
                        .isEqualTo(202);
                assertThat(locationMs).as("a location update does not wait for the pool").isLessThan(1000);
                HttpResult first = node.api().post("/api/v1/trips/" + justStarted + "/location", driver.token(),
                        map("lat", 18.75, "lng", 73.40));
                assertThat(first.status()).as("the first update of a trip started just before the outage: "
                        + first.text()).isEqualTo(202);
                HttpResult elsewhere = node.api().post("/api/v1/trips/" + startedElsewhere + "/location",
                        driver.token(), map("lat", 18.80, "lng", 73.30));
                assertThat(elsewhere.status()).as("the first update of a trip another node started: "
                        + elsewhere.text()).isEqualTo(202);
                HttpResult me = node.api().get("/api/v1/me", passenger.token());
                assertThat(me.status()).as("cached profile while the database is down: " + me.text()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(10)).until(() -> calls.stream()
                        .filter(c -> c.startedMs() > openAt + 3000).count() > 20);

                // longer than the trip-state cache (5 s): tracking goes on from the last state this node read
                await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                        .until(() -> node.api().post("/api/v1/trips/" + driving + "/location", driver.token(),
                                map("lat", 18.54, "lng", 73.87)).status() == 202);

                List<Call> during = calls.stream().filter(c -> c.startedMs() >= downAt).toList();
                long slowest = during.stream().mapToLong(Call::tookMs).max().orElse(0);
                assertThat(during).as("every request during the outage answered 503 (never 500)")
                        .allMatch(c -> c.status() == 503 || c.status() == 200);
                assertThat(slowest).as("no request waits for the 5 s pool timeout").isLessThan(3000);
                List<Call> afterOpen = calls.stream().filter(c -> c.startedMs() > openAt).toList();
                assertThat(afterOpen).allMatch(c -> c.status() == 503 && c.tookMs() < 1000);

                long upAt = System.nanoTime();
                pg.up();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                        node.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1))
                                .status() == 201);
                long backMs = (System.nanoTime() - upAt) / 1_000_000;
                await().atMost(Duration.ofSeconds(5)).until(() -> breaker(node).equals("closed"));
                await().atMost(Duration.ofSeconds(5)).until(() ->
                        node.api().get("/health/ready", null).status() == 200);
                log.warn("PostgreSQL outage: breaker open {} ms after the stop; slowest request during the outage "
                        + "{} ms; bookings accepted {} ms after PostgreSQL was back", openAt - downAt, slowest, backMs);
                assertThat(backMs).as("full service back within seconds").isLessThan(8000);
            } finally {
                running.set(false);
                load.shutdown();
                load.awaitTermination(20, TimeUnit.SECONDS);
            }
        }
    }

    private static String breaker(TestNode node) {
        return node.api().get("/health", null).json().path("checks").path("breakers").path("breakers")
                .path("postgresql").path("state").asText();
    }
}
