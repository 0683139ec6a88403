package com.hushryd.store;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded PostgreSQL's postmaster is killed with SIGKILL under a running node: the node starts it again by
 * itself (same port, same data) and is ready and writing within seconds, with every committed row still there.
 */
class EmbeddedPostgresCrashIT {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresCrashIT.class);

    private static long postmaster(Path dataDir) throws Exception {
        return Long.parseLong(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid"), StandardCharsets.UTF_8)
                .get(0).trim());
    }

    @Test
    void postmasterKilled9_nodeRestartsItOnItsOwn_readyAndWritingAgain_rowsKept() throws Exception {
        try (TestNode node = TestNode.start(Map.of("DATABASE_URL", "", "DB_BREAKER_OPEN", "2s"))) {
            Path dataDir = Path.of(node.settings().get("DATA_DIR"));
            Account driver = node.register("driver");
            Account passenger = node.register("passenger");
            Account later = node.register("passenger");
            String trip = node.createTrip(driver, "Surat", "Vadodara", 1, 4, 150);
            assertThat(node.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1))
                    .status()).isEqualTo(201);
            long pid = postmaster(dataDir);
            ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();

            long t0 = System.nanoTime();
            assertThat(postmaster.destroyForcibly()).as("SIGKILL sent").isTrue();
            postmaster.onExit().get();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                    node.api().get("/health/ready", null).status() == 200);
            long readyMs = (System.nanoTime() - t0) / 1_000_000;
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() ->
                    node.api().post("/api/v1/trips/" + trip + "/bookings", later.token(), map("seats", 1))
                            .status() == 201);
            long writingMs = (System.nanoTime() - t0) / 1_000_000;
            log.warn("embedded postmaster killed -9: ready again after {} ms, bookings accepted after {} ms",
                    readyMs, writingMs);

            assertThat(postmaster(dataDir)).as("a new postmaster").isNotEqualTo(pid);
            HttpResult bookings = node.api().get("/api/v1/bookings", passenger.token());
            assertThat(bookings.status()).as(bookings.text()).isEqualTo(200);
            assertThat(bookings.json().path("items")).as("the booking committed before the crash").hasSize(1);
            assertThat(readyMs).as("back within seconds").isLessThan(20_000);
        }
    }
}
