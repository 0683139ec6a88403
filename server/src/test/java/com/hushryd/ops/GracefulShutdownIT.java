package com.hushryd.ops;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hushryd.testing.ApiClient;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A stopping node finishes the requests it has accepted, refuses new ones, and reports not ready meanwhile. */
class GracefulShutdownIT {

    @Test
    void shutdown_drainsAnInFlightBooking_andRefusesNewConnections() throws Exception {
        TestNode node = TestNode.start(Map.of("SHUTDOWN_TIMEOUT", "10s"));
        Account driver = node.register("driver");
        Account passenger = node.register("passenger");
        String trip = node.createTrip(driver, "Patna", "Gaya", 1, 2, 80);
        String base = node.api().base();

        try (Connection blocker = DriverManager.getConnection(node.settings().get("DATABASE_URL"))) {
            blocker.setAutoCommit(false);
            try (PreparedStatement ps = blocker.prepareStatement("SELECT 1 FROM trips WHERE id = ? FOR UPDATE")) {
                ps.setObject(1, UUID.fromString(trip));
                ps.executeQuery();
            }
            // this booking now waits on the row lock: it is in flight when the shutdown begins
            CompletableFuture<HttpResult> booking = node.api().postAsync("/api/v1/trips/" + trip + "/bookings",
                    passenger.token(), map("seats", 1));
            await().atMost(Duration.ofSeconds(10)).until(() -> node.node().database().poolStats().active() >= 1);
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(node::close);
            await().atMost(Duration.ofSeconds(5)).until(() -> node.node().lifecycleState() == Lifecycle.State.STOPPING);
            await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> {
                try {
                    new ApiClient(base).get("/health/live", null);
                    return false;
                } catch (IllegalStateException refused) {
                    return true;
                }
            });
            assertThat(booking).as("the in-flight request is still waiting").isNotDone();
            blocker.rollback();

            HttpResult r = booking.get();
            assertThat(r.status()).as(r.text()).isEqualTo(201);
            stopping.get();
        }
        assertThatThrownBy(() -> new ApiClient(base).get("/health/live", null)).hasMessageContaining("failed");
    }
}
