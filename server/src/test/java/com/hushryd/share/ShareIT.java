package com.hushryd.share;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.ErrorShape;
import com.hushryd.testing.FakeVendor;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TcpProxy;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Share my trip: the page in headless Chromium (live, strict CSP, nothing else reachable, gone when revoked), the JSON
 * state over the API, expiry, the per-link rate limit, the link in an SOS text, bad input and a database outage.
 */
class ShareIT {
    static final FakeVendor sms = new FakeVendor();
    static TestNode node;

    @BeforeAll
    static void start() {
        Map<String, String> env = new HashMap<>();
        env.put("SHARE_TTL_AFTER_END", "1s");
        env.put("SHARE_RATE_LIMIT", "20/1m");
        env.put("SMS_PRIMARY_URL", sms.url().toString());
        env.put("SAFETY_MONITOR", "false");
        node = TestNode.start(env);
    }

    @AfterAll
    static void stop() {
        node.close();
        sms.close();
    }

    record Ride(Account driver, Account passenger, String trip) {
    }

    static Ride ride(boolean start) {
        Account driver = node.register("driver");
        Account passenger = node.register("passenger");
        String trip = node.createTrip(driver, "Bengaluru", "Mysuru", 1, 3, 300);
        assertThat(node.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1))
                .status()).isEqualTo(201);
        if (start) {
            assertThat(node.api().post("/api/v1/trips/" + trip + "/start", driver.token(), "").status())
                    .isEqualTo(200);
        }
        return new Ride(driver, passenger, trip);
    }

    static JsonNode share(Ride r) {
        HttpResult s = node.api().post("/api/v1/trips/" + r.trip() + "/shares", r.passenger().token(), "");
        assertThat(s.status()).as(s.text()).isEqualTo(201);
        return s.json();
    }

    static void locate(Ride r, double lat, double lng) {
        assertThat(node.api().post("/api/v1/trips/" + r.trip() + "/location", r.driver().token(), map("lat", lat,
                "lng", lng, "speed", 42)).status()).isEqualTo(202);
    }

    @Test
    void sharedPage_inChromium_showsTheLiveTrip_updatesLive_revealsNothingElse_andGoesWhenRevoked() throws Exception {
        Ride r = ride(true);
        locate(r, 12.81234, 77.40001);
        JsonNode s = share(r);
        assertThat(s.path("token").asText()).hasSize(43);
        String url = node.api().base() + s.path("url").asText();
        try (SharePage page = SharePage.open(url, Duration.ofSeconds(90))) {
            JsonNode first = page.await(p -> p.path("position").asText().startsWith("12.81234"),
                    Duration.ofSeconds(60));
            assertThat(first.path("httpStatus").asInt()).isEqualTo(200);
            assertThat(first.path("csp").asText()).contains("default-src 'none'").contains("script-src 'self'")
                    .contains("frame-ancestors 'none'");
            assertThat(first.path("status").asText()).isEqualTo("active");
            assertThat(first.path("driver").asText()).isEqualTo("driver");
            assertThat(first.path("from").asText()).isEqualTo("Bengaluru");
            assertThat(first.path("consoleErrors")).as("the CSP blocked nothing of ours").isEmpty();
            assertThat(first.path("body").asText()).doesNotContain(r.driver().phone()).doesNotContain(r.passenger()
                    .phone()).doesNotContain(r.trip());
            first.path("requests").forEach(u -> assertThat(u.asText()).as("every request stays on the node")
                    .startsWith(node.api().base()));

            locate(r, 12.95678, 77.41111);
            page.await(p -> p.path("position").asText().startsWith("12.95678"), Duration.ofSeconds(30));

            HttpResult revoked = node.api().delete("/api/v1/trips/" + r.trip() + "/shares/" + s.path("id").asText(),
                    r.passenger().token());
            assertThat(revoked.status()).as(revoked.text()).isEqualTo(204);
            page.await(p -> p.path("message").asText().contains("revoked"), Duration.ofSeconds(30));
        }
        ErrorShape.assertClearError(node.api().get(s.path("url").asText(), null), 410, "SHARE_REVOKED", null);
        ErrorShape.assertClearError(node.api().get("/api/v1/share/" + s.path("token").asText(), null), 410,
                "SHARE_REVOKED", null);
        HttpResult page = node.api().send(node.api().request(s.path("url").asText(), null).header("Accept",
                "text/html").GET().build());
        assertThat(page.status()).isEqualTo(410);
        assertThat(page.text()).contains("expired or was revoked");
        assertThat(page.header("Content-Security-Policy")).contains("default-src 'none'");
    }

    @Test
    void stateOverTheApi_carriesNoIdOrPhone_andExpiresAfterTheTripEnds() {
        Ride r = ride(true);
        locate(r, 12.5, 77.0);
        JsonNode s = share(r);
        HttpResult state = node.api().get("/api/v1/share/" + s.path("token").asText(), null);
        assertThat(state.status()).as(state.text()).isEqualTo(200);
        List<String> fields = new ArrayList<>();
        state.json().fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("trip", "driver", "vehicle", "location", "expiresAt", "refreshSeconds");
        assertThat(state.json().path("location").path("lat").asDouble()).isEqualTo(12.5);
        assertThat(state.text()).doesNotContain(r.driver().id()).doesNotContain(r.passenger().id())
                .doesNotContain(r.trip()).doesNotContain(r.driver().phone()).doesNotContain(r.passenger().phone())
                .doesNotContain("+91");
        assertThat(node.api().post("/api/v1/trips/" + r.trip() + "/complete", r.driver().token(), "").status())
                .isEqualTo(200);
        // SHARE_TTL_AFTER_END is 1 s here
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> ErrorShape.assertClearError(node.api().get(
                "/api/v1/share/" + s.path("token").asText(), null), 410, "SHARE_EXPIRED", null));
        assertThat(node.api().get(s.path("url").asText(), null).status()).isEqualTo(410);
    }

    @Test
    void requestsPerLink_areLimited_andOtherLinksAreNot() {
        Ride r = ride(true);
        String busy = share(r).path("token").asText();
        String other = share(r).path("token").asText();
        HttpResult refused = null;
        for (int i = 0; i < 30 && refused == null; i++) {
            HttpResult h = node.api().get("/api/v1/share/" + busy, null);
            if (h.status() == 429) {
                refused = h;
            }
        }
        assertThat(refused).as("refused within 30 requests (SHARE_RATE_LIMIT 20/1m)").isNotNull();
        ErrorShape.assertClearError(refused, 429, "RATE_LIMITED", null);
        assertThat(refused.header("Retry-After")).isNotNull();
        assertThat(node.api().get("/share/" + busy, null).status()).as("the page counts too").isEqualTo(429);
        assertThat(node.api().get("/api/v1/share/" + other, null).status()).isEqualTo(200);
    }

    @Test
    void sosOnATrip_textsTheContactsALinkThatWorks() {
        Ride r = ride(true);
        String contact = TestNode.uniquePhone();
        assertThat(node.api().put("/api/v1/me/emergency-contacts", r.passenger().token(), map("contacts",
                List.of(map("name", "Asha", "phone", contact)))).status()).isEqualTo(200);
        HttpResult sos = node.api().post("/api/v1/sos", r.passenger().token(), map("tripId", r.trip(), "lat", 12.6,
                "lng", 77.1));
        assertThat(sos.status()).as(sos.text()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> sms.accepted().stream()
                .anyMatch(b -> b.contains(contact) && b.contains("/share/")));
        String text = sms.accepted().stream().filter(b -> b.contains(contact)).findFirst().orElseThrow();
        Matcher m = Pattern.compile("/share/([A-Za-z0-9_-]{43})").matcher(text);
        assertThat(m.find()).as(text).isTrue();
        assertThat(node.api().get("/api/v1/share/" + m.group(1), null).status()).isEqualTo(200);
    }

    @Test
    void badInput_isAClear4xx_andChangesNothing() {
        Ride r = ride(false);
        Account stranger = node.register("passenger");
        ErrorShape.assertClearError(node.api().post("/api/v1/trips/" + r.trip() + "/shares", r.driver().token(), ""),
                403, "FORBIDDEN", null);
        ErrorShape.assertClearError(node.api().post("/api/v1/trips/" + r.trip() + "/shares", stranger.token(), ""),
                404, "NOT_FOUND", null);
        ErrorShape.assertClearError(node.api().post("/api/v1/trips/" + UUID.randomUUID() + "/shares",
                r.passenger().token(), ""), 404, "NOT_FOUND", null);
        JsonNode s = share(r);
        String shareUrl = "/api/v1/trips/" + r.trip() + "/shares/" + s.path("id").asText();
        ErrorShape.assertClearError(node.api().delete(shareUrl, stranger.token()), 404, "SHARE_NOT_FOUND", null);
        ErrorShape.assertClearError(node.api().delete("/api/v1/trips/" + UUID.randomUUID() + "/shares/"
                + s.path("id").asText(), r.passenger().token()), 404, "SHARE_NOT_FOUND", null);
        assertThat(node.api().get("/api/v1/share/" + s.path("token").asText(), null).status())
                .as("still live").isEqualTo(200);
        // a token of the right shape whose MAC is wrong, a malformed one, one too long
        String token = s.path("token").asText();
        String forged = token.substring(0, 30) + (token.charAt(30) == 'A' ? 'B' : 'A') + token.substring(31);
        for (String bad : List.of(forged, "not-a-token", token + "x")) {
            ErrorShape.assertClearError(node.api().get("/api/v1/share/" + bad, null), 404, "SHARE_NOT_FOUND", null);
            assertThat(node.api().get("/share/" + bad, null).status()).isEqualTo(404);
        }
        assertThat(node.api().delete(shareUrl, r.passenger().token()).status()).isEqualTo(204);
        ErrorShape.assertClearError(node.api().delete(shareUrl, r.passenger().token()), 409, "SHARE_REVOKED", null);
        assertThat(node.api().post("/api/v1/trips/" + r.trip() + "/start", r.driver().token(), "").status())
                .isEqualTo(200);
        assertThat(node.api().post("/api/v1/trips/" + r.trip() + "/complete", r.driver().token(), "").status())
                .isEqualTo(200);
        ErrorShape.assertClearError(node.api().post("/api/v1/trips/" + r.trip() + "/shares", r.passenger().token(),
                ""), 409, "TRIP_NOT_SHAREABLE", null);
    }

    @Test
    void databaseDown_shareAndStateAre503() throws Exception {
        String db = TestPostgres.get().newDatabase();
        try (TcpProxy proxy = TcpProxy.forJdbcUrl(db);
                TestNode cut = TestNode.start(Map.of("DATABASE_URL", proxy.rewrite(db), "SAFETY_MONITOR", "false"))) {
            Account driver = cut.register("driver");
            Account passenger = cut.register("passenger");
            String trip = cut.createTrip(driver, "Bengaluru", "Mysuru", 1, 2, 300);
            assertThat(cut.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1))
                    .status()).isEqualTo(201);
            HttpResult made = cut.api().post("/api/v1/trips/" + trip + "/shares", passenger.token(), "");
            assertThat(made.status()).as(made.text()).isEqualTo(201);
            String token = made.str("token");
            proxy.cut();
            for (HttpResult h : List.of(cut.api().post("/api/v1/trips/" + UUID.randomUUID() + "/shares",
                    passenger.token(), ""), cut.api().get("/api/v1/share/" + token, null))) {
                assertThat(h.status()).as(h.text()).isEqualTo(503);
                ErrorShape.assertClearError(h, 503, h.errorCode(), null);
            }
        }
    }
}
