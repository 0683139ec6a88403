package com.hushryd.protect;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL goes away under a running node and comes back: cached reads keep being served, writes get 503 with
 * Retry-After, the database breaker opens, half-opens by itself and closes once a call succeeds again.
 */
class DatabaseOutageIT {
    private static EmbeddedPostgres postgres(Path dir, int port) throws IOException {
        return EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).setPort(port)
                .setRegisterShutdownHook(false).setServerConfig("listen_addresses", "127.0.0.1").start();
    }

    private static String breaker(TestNode node, String name) {
        JsonNode h = node.api().get("/health", null).json();
        return h.path("checks").path("breakers").path("breakers").path(name).path("state").asText();
    }

    @Test
    void databaseDown_cachedReadsServed_writes503_breakerOpensHalfOpensAndRecovers() throws Exception {
        Path dir = Files.createTempDirectory("hushryd-pg-outage");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        EmbeddedPostgres pg = postgres(dir, port);
        try (TestNode node = TestNode.start(Map.of("DATABASE_URL", "postgresql://postgres@127.0.0.1:" + port
                + "/postgres", "DB_POOL_TIMEOUT", "500ms", "DB_POOL_MIN", "0", "DB_CRITICAL_POOL", "1",
                "DB_BREAKER_THRESHOLD", "2", "DB_BREAKER_OPEN", "2s"))) {
            Account driver = node.register("driver");
            String trip = node.createTrip(driver, "Agra", "Mathura", 1, 3, 90);
            assertThat(node.api().get("/api/v1/trips/" + trip, driver.token()).status()).isEqualTo(200);
            assertThat(breaker(node, "postgresql")).isEqualTo("closed");

            pg.close();
            HttpResult cached = node.api().get("/api/v1/trips/" + trip, driver.token());
            assertThat(cached.status()).as("served from the cache").isEqualTo(200);
            assertThat(cached.json().path("seatsAvailable").asInt()).isEqualTo(3);

            HttpResult write = node.api().post("/api/v1/trips/" + trip + "/start", driver.token(), map());
            assertThat(write.status()).as(write.text()).isEqualTo(503);
            assertThat(write.header("Retry-After")).isNotNull();
            assertThat(write.errorCode()).isIn("DATABASE_UNAVAILABLE", "DEPENDENCY_UNAVAILABLE");
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                HttpResult r = node.api().post("/api/v1/trips/" + trip + "/start", driver.token(), map());
                return r.status() == 503 && "DEPENDENCY_UNAVAILABLE".equals(r.errorCode());
            });
            assertThat(breaker(node, "postgresql")).isIn("open", "half_open");
            assertThat(node.api().get("/metrics", null).text())
                    .contains("hushryd_breaker_state{name=\"postgresql\"");
            // it half-opens by itself; with PostgreSQL still refusing, the trial call fails within milliseconds
            // (decision 0045) and it opens again, so /health rarely shows half_open: watch the transition itself
            java.util.concurrent.atomic.AtomicBoolean halfOpened = new java.util.concurrent.atomic.AtomicBoolean();
            node.node().database().breaker().getEventPublisher().onStateTransition(e -> {
                if (e.getStateTransition().getToState()
                        == io.github.resilience4j.circuitbreaker.CircuitBreaker.State.HALF_OPEN) {
                    halfOpened.set(true);
                }
            });
            await().atMost(Duration.ofSeconds(10)).untilTrue(halfOpened);

            pg = postgres(dir, port);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() ->
                    node.api().post("/api/v1/trips/" + trip + "/start", driver.token(), map()).status() == 200);
            assertThat(breaker(node, "postgresql")).isEqualTo("closed");
            assertThat(node.api().get("/api/v1/trips/" + trip, driver.token()).json().path("status").asText())
                    .isEqualTo("active");
        } finally {
            pg.close();
        }
    }
}
