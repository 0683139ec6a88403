package com.hushryd.sos;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.testing.HttpResult;
import com.hushryd.testing.NodeProcess;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An alert open when its node stops (gracefully, or by {@code kill -9}) is still tracked, still notifies its contacts
 * and still escalates after the node starts again.
 */
class SosRestartIT {

    @Test
    void restartDuringAnActiveAlert_trackingAndEscalationResume() {
        Map<String, String> env = new HashMap<>(Map.of("SOS_ESCALATE_AFTER", "6s"));
        String alert;
        String trip;
        Account driver;
        Account passenger;
        try (TestNode first = TestNode.start(env)) {
            env.putAll(first.settings());
            driver = first.register("driver");
            passenger = first.register("passenger");
            trip = first.createTrip(driver, "Kochi", "Munnar", 1, 2, 400);
            first.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1));
            first.api().post("/api/v1/trips/" + trip + "/start", driver.token(), "");
            HttpResult raised = first.api().post("/api/v1/sos", passenger.token(), map("tripId", trip, "lat", 9.93,
                    "lng", 76.26));
            assertThat(raised.status()).as(raised.text()).isEqualTo(201);
            alert = raised.str("alertId");
        }
        try (TestNode second = TestNode.restart(env)) {
            assertThat(second.node().sos().tracker().tracking(java.util.UUID.fromString(passenger.id())))
                    .as("open alerts are read back at start").isTrue();
            assertThat(second.api().post("/api/v1/trips/" + trip + "/location", driver.token(), map("lat", 9.95,
                    "lng", 76.3)).status()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(second.api()
                    .get("/api/v1/sos/" + alert, passenger.token()).json().path("track"))
                    .anyMatch(p -> p.path("source").asText().equals("trip") && p.path("lat").asDouble() == 9.95));
            // the escalation job was committed with the alert: it fires on the new node
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(second.api()
                    .get("/api/v1/sos/" + alert, passenger.token()).str("escalation")).isEqualTo("escalated"));
        }
    }

    @Test
    void kill9RightAfterTheAlertIsAcknowledged_theRestartedNodeNotifiesTracksAndEscalates() {
        Map<String, String> env = new HashMap<>(Map.of("SOS_ESCALATE_AFTER", "6s", "JOB_LEASE", "3s"));
        String alert;
        String trip;
        Account driver;
        Account passenger;
        try (NodeProcess first = NodeProcess.start("sos-restart-kill", env)) {
            driver = first.register("driver");
            passenger = first.register("passenger");
            HttpResult contacts = first.api().put("/api/v1/me/emergency-contacts", passenger.token(), map("contacts",
                    List.of(map("name", "Meera", "phone", TestNode.uniquePhone(), "relationship", "mother"))));
            assertThat(contacts.status()).as(contacts.text()).isEqualTo(200);
            trip = first.createTrip(driver, "Kochi", "Alleppey", 1, 2, 300);
            first.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1));
            first.api().post("/api/v1/trips/" + trip + "/start", driver.token(), "");
            HttpResult raised = first.api().post("/api/v1/sos", passenger.token(), map("tripId", trip, "lat", 9.93,
                    "lng", 76.26));
            assertThat(raised.status()).as(raised.text()).isEqualTo(201);
            alert = raised.str("alertId");
            // no graceful stop: whatever the node had leased or buffered for the alert dies with it
            first.kill9();

            try (NodeProcess second = first.restart()) {
                assertThat(second.api().post("/api/v1/trips/" + trip + "/location", driver.token(), map("lat", 9.95,
                        "lng", 76.3)).status()).isEqualTo(202);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(second.api()
                        .get("/api/v1/sos/" + alert, passenger.token()).json().path("track"))
                        .as("open alerts are read back at start and still tracked")
                        .anyMatch(p -> p.path("source").asText().equals("trip") && p.path("lat").asDouble() == 9.95));
                // the notification and escalation jobs were committed with the alert: the new node runs them (those
                // the killed node had leased once their lease expires)
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    HttpResult a = second.api().get("/api/v1/sos/" + alert, passenger.token());
                    assertThat(a.str("escalation")).isEqualTo("escalated");
                    assertThat(a.json().path("notifications")).filteredOn(n -> n.path("purpose").asText()
                            .equals("alert")).anyMatch(n -> n.path("channel").asText().equals("sms"))
                            .allSatisfy(n -> assertThat(n.path("status").asText()).as(n.toString())
                                    .isEqualTo("sent"));
                });
            }
        }
    }
}
