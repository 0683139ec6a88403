package com.hushryd.protect;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.app.Setting;
import com.hushryd.store.DatabaseUrl;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** An overloaded node refuses normal requests with 503 and keeps serving the routes that are never shed. */
class SheddingIT {
    private static double metric(TestNode node, String name, String label) {
        for (String line : node.api().get("/metrics", null).text().split("\n")) {
            if ((line.startsWith(name + "{") || line.startsWith(name + " ")) && line.contains(label)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }

    /** Locks the trip's row from outside the node, then sends {@code n} starts of it that wait on the lock. */
    private static Connection holdTrip(String database, String trip, TestNode node, Account driver, int n,
            List<CompletableFuture<HttpResult>> stuck) throws Exception {
        DatabaseUrl url = DatabaseUrl.parse(database);
        Connection lock = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
        lock.setAutoCommit(false);
        try (PreparedStatement ps = lock.prepareStatement("SELECT 1 FROM trips WHERE id = ? FOR UPDATE")) {
            ps.setObject(1, UUID.fromString(trip));
            ps.executeQuery().close();
        }
        for (int i = 0; i < n; i++) {
            stuck.add(node.api().postAsync("/api/v1/trips/" + trip + "/start", driver.token(), map()));
        }
        return lock;
    }

    @Test
    void inFlightLimitReached_normalRequestsGet503_whileAuthRoutesAndHealthKeepAnswering() throws Exception {
        String database = TestPostgres.get().newDatabase();
        try (TestNode node = TestNode.start(Map.of("DATABASE_URL", database, "HTTP_WORKER_THREADS", "2",
                "SHED_MAX_IN_FLIGHT", "2", "DB_QUERY_TIMEOUT", "60s"))) {
            Account driver = node.register("driver");
            Account rider = node.register("passenger");
            String trip = node.createTrip(driver, "Vellore", "Chennai", 1, 3, 150);
            List<CompletableFuture<HttpResult>> stuck = new ArrayList<>();
            // the set-up requests leave the count after their answers were sent: on a loaded machine, a moment later
            await().atMost(Duration.ofSeconds(10)).until(() -> metric(node, "hushryd_load_in_flight", "") == 0);
            // two normal requests wait on the row lock: the node's whole allowance of work in flight
            try (Connection lock = holdTrip(database, trip, node, driver, 2, stuck)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> metric(node, "hushryd_load_in_flight", "") == 2);

                HttpResult shed = node.api().get("/api/v1/trips/search?from=Vellore", rider.token());
                assertThat(shed.status()).as(shed.text()).isEqualTo(503);
                assertThat(shed.errorCode()).isEqualTo("OVERLOADED");
                assertThat(shed.header("Retry-After")).isEqualTo("2");
                assertThat(node.api().get("/api/v1/me", rider.token()).status()).isEqualTo(503);

                HttpResult login = node.api().post("/api/v1/auth/login", null,
                        map("phone", rider.phone(), "password", "password-123"));
                assertThat(login.status()).as("auth is never shed").isEqualTo(200);
                assertThat(node.api().post("/api/v1/auth/register", null, map("phone", TestNode.uniquePhone(),
                        "name", "Late", "password", "password-123", "role", "passenger")).status()).isEqualTo(201);
                assertThat(node.api().get("/health/live", null).status()).isEqualTo(200);
                assertThat(node.api().get("/metrics", null).text()).contains("hushryd_shed_requests_total{");
                lock.rollback();
            }
            for (CompletableFuture<HttpResult> f : stuck) {
                assertThat(f.get().status()).isIn(200, 409);
            }
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    node.api().get("/api/v1/trips/search?from=Vellore", rider.token()).status() == 200);
        }
    }

    @Test
    void mainPoolExhausted_normalRequestsGet503_butAnSosIsAcceptedAndPersisted() throws Exception {
        String database = TestPostgres.get().newDatabase();
        try (TestNode node = TestNode.start(Map.of("DATABASE_URL", database, "DB_POOL_MAX", "2", "DB_POOL_MIN", "0",
                "DB_POOL_TIMEOUT", "1s", "DB_QUERY_TIMEOUT", "60s", "WORKER_QUEUES", "none"))) {
            Account driver = node.register("driver");
            Account rider = node.register("passenger");
            String trip = node.createTrip(driver, "Nashik", "Shirdi", 1, 3, 150);
            List<CompletableFuture<HttpResult>> stuck = new ArrayList<>();
            // both connections of the main pool wait on the row lock
            try (Connection lock = holdTrip(database, trip, node, driver, 2, stuck)) {
                await().atMost(Duration.ofSeconds(10)).until(() ->
                        metric(node, "hikaricp_connections_active", "pool=\"hushryd-db\"") == 2);
                HttpResult normal = node.api().get("/api/v1/trips/search?from=Nashik", rider.token());
                assertThat(normal.status()).as(normal.text()).isEqualTo(503);
                assertThat(normal.errorCode()).isEqualTo("DB_POOL_EXHAUSTED");

                HttpResult sos = node.api().post("/api/v1/sos", rider.token(), map("lat", 19.99, "lng", 73.79,
                        "message", "help"));
                assertThat(sos.status()).as(sos.text()).isEqualTo(201);
                HttpResult read = node.api().get("/api/v1/sos/" + sos.str("alertId"), rider.token());
                assertThat(read.status()).as(read.text()).isEqualTo(200);
                assertThat(metric(node, "hikaricp_connections_active", "pool=\"hushryd-db\""))
                        .as("still saturated").isEqualTo(2);
                lock.rollback();
            }
            for (CompletableFuture<HttpResult> f : stuck) {
                assertThat(f.get().status()).isIn(200, 409);
            }
        }
    }

    @Test
    void poolQueueDelayStanding_normalRequestsGet503_sosAndHealthNeverShed() throws Exception {
        String database = TestPostgres.get().newDatabase();
        // the waiting-threads signal is out of reach (TestNode): only the queueing delay can make this node shed
        try (TestNode node = TestNode.start(Map.of("DATABASE_URL", database, "DB_POOL_MAX", "2", "DB_POOL_MIN", "0",
                "DB_POOL_TIMEOUT", "60s", "DB_QUERY_TIMEOUT", "60s", "WORKER_QUEUES", "none",
                "SHED_QUEUE_DELAY", "50ms"))) {
            Account driver = node.register("driver");
            Account rider = node.register("passenger");
            String trip = node.createTrip(driver, "Pune", "Lonavala", 1, 3, 150);
            assertThat(node.api().get("/api/v1/trips/search?from=Pune", rider.token()).status()).isEqualTo(200);
            assertThat(metric(node, "hushryd_load_level", "")).as("a pool that hands out at once").isEqualTo(0);
            List<CompletableFuture<HttpResult>> stuck = new ArrayList<>();
            // both connections of the main pool wait on the row lock and a third start waits for one of them: a
            // queue that does not move, whatever the speed of the machine
            try (Connection lock = holdTrip(database, trip, node, driver, 3, stuck)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> metric(node, "hushryd_load_level", "") == 2);
                assertThat(metric(node, "hushryd_load_queue_delay_ms", "")).isGreaterThanOrEqualTo(50);

                HttpResult shed = node.api().get("/api/v1/trips/search?from=Pune", rider.token());
                assertThat(shed.status()).as(shed.text()).isEqualTo(503);
                assertThat(shed.errorCode()).isEqualTo("OVERLOADED");
                assertThat(shed.header("Retry-After")).isEqualTo("2");

                HttpResult sos = node.api().post("/api/v1/sos", rider.token(), map("lat", 18.52, "lng", 73.85,
                        "message", "help"));
                assertThat(sos.status()).as("critical routes are never shed: " + sos.text()).isEqualTo(201);
                HttpResult read = node.api().get("/api/v1/sos/" + sos.str("alertId"), rider.token());
                assertThat(read.status()).as(read.text()).isEqualTo(200);
                // (auth is never shed either, but a login needs the main pool, which this test holds)
                assertThat(node.api().get("/health/live", null).status()).isEqualTo(200);
                assertThat(metric(node, "hushryd_shed_requests_total", "class=\"normal\"")).isGreaterThan(0);
                lock.rollback();
            }
            for (CompletableFuture<HttpResult> f : stuck) {
                assertThat(f.get().status()).isIn(200, 409);
            }
            // the queue is gone: the node takes normal requests again
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    node.api().get("/api/v1/trips/search?from=Pune", rider.token()).status() == 200);
            assertThat(metric(node, "hushryd_load_level", "")).isEqualTo(0);
        }
    }

    @Test
    void databaseDown_withQueueDelayShedding_requestsGetTheDatabase503s_andTheNodeDoesNotStayOverloaded()
            throws Exception {
        Path dir = Files.createTempDirectory("hushryd-pg-shedding");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        EmbeddedPostgres pg = postgres(dir, port);
        try (TestNode node = TestNode.start(Map.of("DATABASE_URL", "postgresql://postgres@127.0.0.1:" + port
                + "/postgres", "DB_POOL_TIMEOUT", "500ms", "DB_POOL_MIN", "0", "DB_CRITICAL_POOL", "1",
                "DB_BREAKER_THRESHOLD", "2", "DB_BREAKER_OPEN", "2s", "WORKER_QUEUES", "none",
                "SHED_QUEUE_DELAY", Setting.SHED_QUEUE_DELAY.defaultValue()))) {
            Account driver = node.register("driver");
            Account rider = node.register("passenger");
            String trip = node.createTrip(driver, "Agra", "Mathura", 1, 3, 90);
            assertThat(node.api().get("/api/v1/trips/" + trip, driver.token()).status()).isEqualTo(200);

            pg.close();
            // a pool that cannot connect is not a queue: once the breaker fails calls at once, nobody waits
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                HttpResult r = node.api().post("/api/v1/trips/" + trip + "/start", driver.token(), map());
                return r.status() == 503 && "DEPENDENCY_UNAVAILABLE".equals(r.errorCode());
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> metric(node, "hushryd_load_level", "") == 0);
            HttpResult write = node.api().post("/api/v1/trips/" + trip + "/start", driver.token(), map());
            assertThat(write.status()).as(write.text()).isEqualTo(503);
            assertThat(write.errorCode()).isIn("DATABASE_UNAVAILABLE", "DEPENDENCY_UNAVAILABLE");
            assertThat(write.header("Retry-After")).isNotNull();
            assertThat(node.api().get("/api/v1/trips/" + trip, driver.token()).status())
                    .as("served from the cache").isEqualTo(200);
            HttpResult sos = node.api().post("/api/v1/sos", rider.token(), map("lat", 27.18, "lng", 78.02,
                    "message", "help"));
            assertThat(sos.status()).as("journaled: " + sos.text()).isEqualTo(201);

            pg = postgres(dir, port);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() ->
                    node.api().post("/api/v1/trips/" + trip + "/start", driver.token(), map()).status() == 200);
            assertThat(metric(node, "hushryd_load_level", "")).isEqualTo(0);
        } finally {
            pg.close();
        }
    }

    private static EmbeddedPostgres postgres(Path dir, int port) throws IOException {
        return EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).setPort(port)
                .setRegisterShutdownHook(false).setServerConfig("listen_addresses", "127.0.0.1").start();
    }
}
