package com.hushryd.location;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The route history buffered on a node is written when the node stops gracefully. */
class LocationRestartIT {

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
}
