package com.hushryd.app;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hushryd.testing.HttpResult;
import com.hushryd.testing.NodeProcess;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * On embedded defaults, DATA_DIR holds everything: a restart keeps users, trips, bookings and tokens valid, after a
 * graceful stop and after {@code kill -9} of the node and its PostgreSQL alike.
 */
class RestartIT {

    @Test
    void restartWithSameDataDir_keepsEveryUserTripAndBooking() {
        Path dataDir = TestNode.tempDir();
        Map<String, String> env = new HashMap<>();
        env.put("DATA_DIR", dataDir.toString());
        env.put("DATABASE_URL", "");
        env.put("JWT_SECRET", "");
        String tripId;
        String bookingId;
        Account driver;
        Account passenger;
        try (TestNode first = TestNode.start(env)) {
            assertThat(first.node().config().database()).as("runs on the embedded database").isEmpty();
            driver = first.register("driver");
            passenger = first.register("passenger");
            tripId = first.createTrip(driver, "Lucknow", "Kanpur", 1, 3, 120);
            bookingId = first.api().post("/api/v1/trips/" + tripId + "/bookings", passenger.token(), map("seats", 2))
                    .str("id");
            env.putAll(first.settings());
        }
        try (TestNode second = TestNode.restart(env)) {
            HttpResult login = second.api().post("/api/v1/auth/login", null,
                    map("phone", passenger.phone(), "password", "password-123"));
            assertThat(login.status()).isEqualTo(200);
            assertThat(second.api().get("/api/v1/me", driver.token()).status())
                    .as("the generated JWT secret persists in DATA_DIR").isEqualTo(200);
            HttpResult trip = second.api().get("/api/v1/trips/" + tripId, login.str("accessToken"));
            assertThat(trip.json().path("seatsAvailable").asInt()).isEqualTo(1);
            assertThat(second.api().get("/api/v1/bookings", login.str("accessToken")).json().path("items").get(0)
                    .path("id").asText()).isEqualTo(bookingId);
        }
    }

    @Test
    void kill9OfTheNodeAndItsPostgres_restartRecoversEveryUserTripAndBooking() {
        Map<String, String> env = new HashMap<>();
        env.put("DATA_DIR", TestNode.tempDir().toString());
        env.put("DATABASE_URL", "");
        env.put("JWT_SECRET", "");
        String tripId;
        String bookingId;
        Account driver;
        Account passenger;
        try (NodeProcess first = NodeProcess.start("restart-kill", env)) {
            driver = first.register("driver");
            passenger = first.register("passenger");
            tripId = first.createTrip(driver, "Surat", "Vadodara", 1, 3, 150);
            HttpResult booked = first.api().post("/api/v1/trips/" + tripId + "/bookings", passenger.token(),
                    map("seats", 2));
            assertThat(booked.status()).as(booked.text()).isEqualTo(201);
            bookingId = booked.str("id");
            // nothing is flushed or closed: PostgreSQL dies mid-flight and must recover from its WAL
            first.kill9WithPostgres();

            try (NodeProcess second = first.restart()) {
                HttpResult login = second.api().post("/api/v1/auth/login", null,
                        map("phone", passenger.phone(), "password", "password-123"));
                assertThat(login.status()).as(login.text()).isEqualTo(200);
                assertThat(second.api().get("/api/v1/me", driver.token()).status())
                        .as("the generated JWT secret persists in DATA_DIR").isEqualTo(200);
                HttpResult trip = second.api().get("/api/v1/trips/" + tripId, login.str("accessToken"));
                assertThat(trip.json().path("seatsAvailable").asInt()).isEqualTo(1);
                assertThat(second.api().get("/api/v1/bookings", login.str("accessToken")).json().path("items")
                        .get(0).path("id").asText()).isEqualTo(bookingId);
                second.stop();
            }
        }
    }

    @Test
    void secondNodeOnTheSameDataDir_isRefusedWithAClearMessage() {
        Map<String, String> env = new HashMap<>();
        env.put("DATA_DIR", TestNode.tempDir().toString());
        env.put("DATABASE_URL", "");
        try (TestNode first = TestNode.start(env)) {
            assertThatThrownBy(() -> TestNode.restart(first.settings()))
                    .hasMessageContaining("is in use by another HushRyd process");
            assertThat(first.api().get("/health/ready", null).status()).as("the first node is unaffected")
                    .isEqualTo(200);
        }
    }
}
