package com.hushryd.safety;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.ErrorShape;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.Sql;
import com.hushryd.testing.TcpProxy;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The trip safety monitor and check-ins on one node, with thresholds of seconds: each kind is detected from real
 * location updates and asks the passenger on their socket; "I'm OK" closes the check, "I need help" and silence past
 * the deadline raise an SOS with the check attached; a flood of updates opens one check; bad answers change nothing.
 */
class SafetyIT {
    // Bengaluru → Mysuru (TestNode's trips); the midpoint is far from both ends
    static final double MID_LAT = 12.63;
    static final double MID_LNG = 77.115;
    static final Duration WAIT = Duration.ofSeconds(30);
    static TestNode node;
    static SocketIoAgent agent;
    static String database;

    @BeforeAll
    static void start() {
        Map<String, String> env = new HashMap<>();
        env.put("SAFETY_STOP_AFTER", "3s");
        env.put("SAFETY_SILENCE_AFTER", "4s");
        env.put("SAFETY_CHECK_DEADLINE", "5s");
        env.put("SAFETY_DEVIATION_FOR", "1s");
        env.put("SAFETY_SPEED_FOR", "1s");
        env.put("SAFETY_TICK", "250ms");
        env.put("SAFETY_LEASE", "3s");
        node = TestNode.start(env);
        database = node.settings().get("DATABASE_URL");
        agent = SocketIoAgent.start();
    }

    @AfterAll
    static void stop() {
        agent.close();
        node.close();
    }

    record Ride(Account driver, Account passenger, String trip, Client socket) {
    }

    static Ride activeRide() {
        Account driver = node.register("driver");
        Account passenger = node.register("passenger");
        String trip = node.createTrip(driver, "Bengaluru", "Mysuru", 1, 3, 300);
        assertThat(node.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1))
                .status()).isEqualTo(201);
        Client socket = agent.connect("p-" + UUID.randomUUID().toString().substring(0, 8), node.api().base(),
                passenger.token());
        assertThat(node.api().post("/api/v1/trips/" + trip + "/start", driver.token(), "").status()).isEqualTo(200);
        return new Ride(driver, passenger, trip, socket);
    }

    static void locate(Ride r, double lat, double lng, double speed) {
        HttpResult res = node.api().post("/api/v1/trips/" + r.trip() + "/location", r.driver().token(),
                map("lat", lat, "lng", lng, "speed", speed));
        assertThat(res.status()).as(res.text()).isEqualTo(202);
    }

    /** Sends a location every 300 ms until the passenger is asked; returns the check the question carried. */
    static JsonNode driveUntilAsked(Ride r, double lat, double lng, double speed) {
        CompletableFuture<JsonNode> asked = CompletableFuture.supplyAsync(() -> r.socket().awaitEvent(
                SafetyChecks.EVENT, a -> a.path(0).path("check").path("tripId").asText().equals(r.trip()), WAIT));
        while (!asked.isDone()) {
            locate(r, lat, lng, speed);
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        JsonNode event = asked.join().get(0);
        assertThat(event.path("canAnswer").asBoolean()).isTrue();
        return event.path("check");
    }

    static HttpResult answer(String checkId, String token, Object body) {
        return node.api().post("/api/v1/safety-checks/" + checkId + "/answer", token, body);
    }

    /** The contract's error shape with this status and, when given, this code. */
    static void error(HttpResult r, int status, String code) {
        ErrorShape.assertClearError(r, status, code == null ? r.errorCode() : code, null);
    }

    @Test
    void unexpectedStop_asksThePassenger_aFloodOpensNoSecondCheck_andImOkClosesItWithoutAnSos() {
        Ride r = activeRide();
        JsonNode check = driveUntilAsked(r, MID_LAT, MID_LNG, 0);
        List<CompletableFuture<HttpResult>> flood = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            flood.add(node.api().postAsync("/api/v1/trips/" + r.trip() + "/location", r.driver().token(),
                    map("lat", MID_LAT, "lng", MID_LNG, "speed", 0)));
        }
        flood.forEach(CompletableFuture::join);
        assertThat(Sql.number(database, "SELECT count(*) FROM safety_checks WHERE trip_id = ?::uuid", r.trip()))
                .as("one check, however many updates").isEqualTo(1);
        assertThat(check.path("kind").asText()).isEqualTo("unexpected_stop");
        assertThat(check.path("question").asText()).isEqualTo("Is everything OK?");
        assertThat(check.path("detections").get(0).path("inputs").path("stoppedForMs").asLong()).isGreaterThanOrEqualTo(3000);
        String id = check.path("id").asText();
        HttpResult ok = answer(id, r.passenger().token(), map("answer", "ok"));
        assertThat(ok.status()).as(ok.text()).isEqualTo(200);
        assertThat(ok.str("status")).isEqualTo("ok");
        // the deadline passes: the closed check raises nothing
        await().pollDelay(Duration.ofMillis(5_500)).atMost(WAIT).untilAsserted(() -> assertThat(Sql.number(database,
                "SELECT count(*) FROM sos_alerts WHERE user_id = ?::uuid", r.passenger().id())).isZero());
        assertThat(node.api().get("/api/v1/safety-checks/" + id, r.passenger().token()).str("status")).isEqualTo("ok");
    }

    @Test
    void speeding_needHelpOverTheSocket_raisesAnSosWithTheCheckAttached() {
        Ride r = activeRide();
        JsonNode check = driveUntilAsked(r, MID_LAT, MID_LNG, 160);
        assertThat(check.path("kind").asText()).isEqualTo("speed");
        JsonNode ack = r.socket().emitWithAck("safety:answer", map("checkId", check.path("id").asText(), "answer",
                "help", "lat", MID_LAT, "lng", MID_LNG)).get(0);
        assertThat(ack.path("ok").asBoolean()).as(ack.toString()).isTrue();
        assertThat(ack.path("data").path("status").asText()).isEqualTo("help");
        String alert = ack.path("data").path("alertIds").get(0).asText();
        HttpResult sos = node.api().get("/api/v1/sos/" + alert, r.passenger().token());
        assertThat(sos.status()).as(sos.text()).isEqualTo(200);
        assertThat(sos.str("safetyCheckId")).isEqualTo(check.path("id").asText());
        assertThat(sos.str("tripId")).isEqualTo(r.trip());
    }

    @Test
    void leavingTheCorridor_isARouteDeviation() {
        Ride r = activeRide();
        // 150 km north-east of the Bengaluru → Mysuru line
        JsonNode check = driveUntilAsked(r, 14.0, 78.2, 50);
        assertThat(check.path("kind").asText()).isEqualTo("route_deviation");
        assertThat(check.path("detections").get(0).path("inputs").path("outsideCorridorKm").asDouble()).isPositive();
    }

    @Test
    void gpsSilence_unansweredByTheDeadline_raisesAnSosForThePassenger() {
        Ride r = activeRide();
        locate(r, MID_LAT, MID_LNG, 40);
        JsonNode asked = r.socket().awaitEvent(SafetyChecks.EVENT, a -> a.path(0).path("check").path("tripId")
                .asText().equals(r.trip()), WAIT).get(0);
        JsonNode check = asked.path("check");
        assertThat(check.path("kind").asText()).isEqualTo("gps_silence");
        String id = check.path("id").asText();
        await().atMost(WAIT).untilAsserted(() -> assertThat(node.api().get("/api/v1/safety-checks/" + id,
                r.passenger().token()).str("status")).isEqualTo("expired"));
        List<Map<String, Object>> alerts = Sql.rows(database, "SELECT id, status, safety_check_id::text AS c, "
                + "message FROM sos_alerts WHERE user_id = ?::uuid", r.passenger().id());
        assertThat(alerts).hasSize(1);
        assertThat(alerts.get(0).get("c")).isEqualTo(id);
        assertThat((String) alerts.get(0).get("message")).contains("gps_silence");
        // the expiry was announced, and the answer after it is refused, changing nothing
        r.socket().awaitEvent(SafetyChecks.EVENT, a -> a.path(0).path("check").path("status").asText()
                .equals("expired"), WAIT);
        HttpResult late = answer(id, r.passenger().token(), map("answer", "ok"));
        error(late, 409, "SAFETY_CHECK_CLOSED");
        assertThat(Sql.number(database, "SELECT count(*) FROM sos_alerts WHERE user_id = ?::uuid",
                r.passenger().id())).isEqualTo(1);
    }

    @Test
    void completedFarFromTheDestination_isAnEarlyEnd() {
        Ride r = activeRide();
        locate(r, MID_LAT, MID_LNG, 40);
        assertThat(node.api().post("/api/v1/trips/" + r.trip() + "/complete", r.driver().token(), "").status())
                .isEqualTo(200);
        JsonNode check = r.socket().awaitEvent(SafetyChecks.EVENT, a -> a.path(0).path("check").path("tripId")
                .asText().equals(r.trip()), WAIT).get(0).path("check");
        assertThat(check.path("kind").asText()).isEqualTo("early_end");
        assertThat(Sql.rows(database, "SELECT closed_at FROM safety_watches WHERE trip_id = ?::uuid", r.trip())
                .get(0).get("closed_at")).isNotNull();
    }

    @Test
    void badAnswers_areClear4xx_andChangeNothing() {
        Ride r = activeRide();
        JsonNode check = driveUntilAsked(r, MID_LAT, MID_LNG, 0);
        String id = check.path("id").asText();
        Account stranger = node.register("passenger");
        error(answer(id, stranger.token(), map("answer", "ok")), 404, "SAFETY_CHECK_NOT_FOUND");
        error(node.api().get("/api/v1/safety-checks/" + id, stranger.token()), 404,
                "SAFETY_CHECK_NOT_FOUND");
        error(answer(id, r.driver().token(), map("answer", "ok")), 403, "FORBIDDEN");
        error(answer(id, r.passenger().token(), map("answer", "maybe")), 400, "VALIDATION_FAILED");
        error(answer(id, r.passenger().token(), map("answer", "ok", "extra", 1)), 400,
                "VALIDATION_FAILED");
        error(answer(id, r.passenger().token(), map("answer", "ok", "lat", 12.0)), 400,
                "VALIDATION_FAILED");
        error(answer(UUID.randomUUID().toString(), r.passenger().token(), map("answer", "ok")), 404,
                "SAFETY_CHECK_NOT_FOUND");
        error(answer("not-a-uuid", r.passenger().token(), map("answer", "ok")), 400, null);
        JsonNode badSocket = r.socket().emitWithAck("safety:answer", map("checkId", "nope", "answer", "ok")).get(0);
        assertThat(badSocket.path("ok").asBoolean()).isFalse();
        assertThat(node.api().get("/api/v1/safety-checks/" + id, r.passenger().token()).str("status"))
                .as("nothing changed").isEqualTo("open");
        // two answers at once (two phones of the rider, a retry): one wins, the other is told the check is closed
        CompletableFuture<HttpResult> first = node.api().postAsync("/api/v1/safety-checks/" + id + "/answer",
                r.passenger().token(), map("answer", "ok"));
        CompletableFuture<HttpResult> second = node.api().postAsync("/api/v1/safety-checks/" + id + "/answer",
                r.passenger().token(), map("answer", "ok"));
        List<HttpResult> both = List.of(first.join(), second.join());
        assertThat(both).extracting(HttpResult::status).containsExactlyInAnyOrder(200, 409);
        both.stream().filter(h -> h.status() == 409).forEach(h -> error(h, 409, "SAFETY_CHECK_CLOSED"));
        error(answer(id, r.passenger().token(), map("answer", "help")), 409, "SAFETY_CHECK_CLOSED");
        assertThat(Sql.number(database, "SELECT count(*) FROM sos_alerts WHERE user_id = ?::uuid",
                r.passenger().id())).as("the second answer raised nothing").isZero();
    }

    @Test
    void databaseDown_answerIsA503_notA500() throws Exception {
        String db = com.hushryd.testing.TestPostgres.get().newDatabase();
        try (TcpProxy proxy = TcpProxy.forJdbcUrl(db);
                TestNode cut = TestNode.start(Map.of("DATABASE_URL", proxy.rewrite(db), "SAFETY_MONITOR", "false"))) {
            Account passenger = cut.register("passenger");
            proxy.cut();
            HttpResult r = cut.api().post("/api/v1/safety-checks/" + UUID.randomUUID() + "/answer",
                    passenger.token(), map("answer", "ok"));
            assertThat(r.status()).as(r.text()).isEqualTo(503);
            assertThat(r.header("Retry-After")).isNotNull();
            error(r, 503, null);
        }
    }
}
