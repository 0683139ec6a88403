package com.hushryd.idempotency;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.ApiClient;
import com.hushryd.testing.ErrorShape;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.Sql;
import com.hushryd.testing.TcpProxy;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.uploads.Samples;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Idempotency-Key on every creating call (decision 0052), verified in PostgreSQL: a retry after a lost response
 * replays the first answer and creates nothing; another body is 422; a bad key is 400; two nodes racing with one key
 * create one row; the database down is 503. Two nodes on one database, the second reaching it through a proxy.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IdempotencyIT {
    static TestNode node;
    static TestNode other;
    static TcpProxy proxy;
    static String db;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start();
        db = node.settings().get("DATABASE_URL");
        proxy = TcpProxy.forJdbcUrl(db);
        other = TestNode.start(Map.of("DATABASE_URL", proxy.rewrite(db), "DB_POOL_TIMEOUT", "500ms",
                "DB_BREAKER_THRESHOLD", "2"));
    }

    @AfterAll
    static void stop() {
        other.close();
        proxy.close();
        node.close();
    }

    private static HttpResult send(ApiClient api, String method, String path, String token, String key,
            Object body) {
        HttpRequest.Builder b = api.request(path, token);
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body instanceof String s ? s
                            : com.hushryd.common.Json.write(body)));
        }
        return api.send(b.build());
    }

    private static long count(String sql, Object... args) {
        return Sql.number(db, sql, args);
    }

    @Test
    @Order(1)
    void booking_retriedAfterALostResponse_replaysTheAnswer_oneRowAndSeatsTakenOnce() {
        Account driver = node.register("driver");
        Account rider = node.register("passenger");
        String trip = node.createTrip(driver, "Pune", "Nashik", 2, 4, 300);
        String key = UUID.randomUUID().toString();
        HttpResult first = send(node.api(), "POST", "/api/v1/trips/" + trip + "/bookings", rider.token(), key,
                map("seats", 2));
        // the app never saw the first answer: it retries with the same key, here through the other node
        HttpResult retry = send(other.api(), "POST", "/api/v1/trips/" + trip + "/bookings", rider.token(), key,
                "{ \"seats\" : 2 }");
        assertThat(first.status()).as(first.text()).isEqualTo(201);
        assertThat(retry.status()).as(retry.text()).isEqualTo(201);
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(first.header("Idempotent-Replayed")).isNull();
        assertThat(retry.json()).isEqualTo(first.json());
        assertThat(count("SELECT count(*) FROM bookings WHERE trip_id = ?::uuid", trip)).isEqualTo(1);
        assertThat(count("SELECT seats_available FROM trips WHERE id = ?::uuid", trip)).isEqualTo(2);

        // without a key, a second call is a second request: ALREADY_BOOKED, as before
        assertThat(send(node.api(), "POST", "/api/v1/trips/" + trip + "/bookings", rider.token(), null,
                map("seats", 2)).errorCode()).isEqualTo("ALREADY_BOOKED");
        // cancelling twice with one key: the first answer again, not 409 BOOKING_ALREADY_CANCELLED
        String booking = first.str("id");
        String cancelKey = UUID.randomUUID().toString();
        HttpResult cancel = send(node.api(), "DELETE", "/api/v1/bookings/" + booking, rider.token(), cancelKey, null);
        HttpResult cancelAgain = send(node.api(), "DELETE", "/api/v1/bookings/" + booking, rider.token(), cancelKey,
                null);
        assertThat(cancel.status()).as(cancel.text()).isEqualTo(200);
        assertThat(cancelAgain.status()).as(cancelAgain.text()).isEqualTo(200);
        assertThat(cancelAgain.json()).isEqualTo(cancel.json());
        assertThat(count("SELECT seats_available FROM trips WHERE id = ?::uuid", trip)).isEqualTo(4);
    }

    @Test
    @Order(2)
    void tripMessageAndDocument_retriedWithTheirKeys_eachCreatedOnce() throws Exception {
        Account driver = node.register("driver");
        Account rider = node.register("passenger");
        String tripKey = "trip-" + UUID.randomUUID();
        Map<String, Object> trip = map("source", map("city", "Surat", "lat", 21.17, "lng", 72.83),
                "destination", map("city", "Vadodara", "lat", 22.30, "lng", 73.18),
                "departureTime", java.time.OffsetDateTime.now().plusDays(3).toString(), "seats", 3,
                "pricePerSeat", 250);
        HttpResult t1 = send(node.api(), "POST", "/api/v1/trips", driver.token(), tripKey, trip);
        HttpResult t2 = send(node.api(), "POST", "/api/v1/trips", driver.token(), tripKey, trip);
        assertThat(t1.status()).as(t1.text()).isEqualTo(201);
        assertThat(t2.json()).isEqualTo(t1.json());
        assertThat(count("SELECT count(*) FROM trips WHERE driver_id = ?::uuid", driver.id())).isEqualTo(1);

        String booking = send(node.api(), "POST", "/api/v1/trips/" + t1.str("id") + "/bookings", rider.token(),
                null, map("seats", 1)).str("id");
        String msgKey = UUID.randomUUID().toString();
        HttpResult m1 = send(node.api(), "POST", "/api/v1/conversations/" + booking + "/messages", rider.token(),
                msgKey, map("text", "at the gate"));
        HttpResult m2 = send(node.api(), "POST", "/api/v1/conversations/" + booking + "/messages", rider.token(),
                msgKey, map("text", "at the gate"));
        assertThat(m1.status()).as(m1.text()).isEqualTo(201);
        assertThat(m2.status()).isEqualTo(201);
        assertThat(m2.json()).isEqualTo(m1.json());
        assertThat(count("SELECT count(*) FROM chat_messages WHERE conversation_id = ?::uuid", booking)).isEqualTo(1);
        // the new endpoint's bad input: clear 4xx, nothing stored
        String messages = "/api/v1/conversations/" + booking + "/messages";
        ErrorShape.assertClearError(send(node.api(), "POST", messages, rider.token(), null, map("text", "")), 400,
                "VALIDATION_FAILED", "text");
        ErrorShape.assertClearError(send(node.api(), "POST", messages, rider.token(), null,
                map("text", "hi", "extra", 1)), 400, "VALIDATION_FAILED", "extra");
        ErrorShape.assertClearError(send(node.api(), "POST", "/api/v1/conversations/nope/messages", rider.token(),
                null, map("text", "hi")), 400, "VALIDATION_FAILED", "id");
        ErrorShape.assertClearError(send(node.api(), "POST", messages, node.register("passenger").token(), null,
                map("text", "hi")), 404, "NOT_FOUND", null);
        HttpResult byClientId = send(node.api(), "POST", messages, rider.token(), null,
                map("text", "again", "clientMessageId", "c-1"));
        HttpResult byClientIdAgain = send(node.api(), "POST", messages, rider.token(), null,
                map("text", "again", "clientMessageId", "c-1"));
        assertThat(byClientId.status()).isEqualTo(201);
        assertThat(byClientIdAgain.status()).isEqualTo(200);
        assertThat(byClientIdAgain.str("id")).isEqualTo(byClientId.str("id"));
        assertThat(count("SELECT count(*) FROM chat_messages WHERE conversation_id = ?::uuid", booking)).isEqualTo(2);

        byte[] png = Samples.image("png", 40, 30);
        HttpResult url = node.api().post("/api/v1/documents/upload-url", driver.token(),
                map("documentType", "licence", "contentType", "image/png", "size", png.length));
        HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(url.str("uploadUrl")))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(png));
        for (Iterator<Map.Entry<String, JsonNode>> it = url.json().path("headers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            if (!h.getKey().equalsIgnoreCase("Content-Length")) {
                put.header(h.getKey(), h.getValue().asText());
            }
        }
        HttpResponse<String> uploaded = HttpClient.newHttpClient().send(put.build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(uploaded.statusCode()).as(uploaded.body()).isBetween(200, 299);
        String path = "/api/v1/documents/" + URLEncoder.encode(url.str("key"), StandardCharsets.UTF_8) + "/complete";
        String docKey = UUID.randomUUID().toString();
        HttpResult d1 = send(node.api(), "POST", path, driver.token(), docKey, null);
        assertThat(d1.status()).as(d1.text()).isEqualTo(202);
        // processed meanwhile or not, the retry gets the first answer (without a key a processed one is a 409)
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> count(
                "SELECT count(*) FROM documents WHERE user_id = ?::uuid AND status IN ('verified', 'rejected')",
                driver.id()) == 1);
        HttpResult d2 = send(node.api(), "POST", path, driver.token(), docKey, null);
        assertThat(d2.status()).as(d2.text()).isEqualTo(202);
        assertThat(d2.json()).isEqualTo(d1.json());
        assertThat(count("SELECT count(*) FROM documents WHERE user_id = ?::uuid", driver.id())).isEqualTo(1);
    }

    @Test
    @Order(3)
    void sameKey_otherBodyOrOperation_is422_otherUserSameKey_isTheirOwn() {
        Account driver = node.register("driver");
        Account rider = node.register("passenger");
        Account rider2 = node.register("passenger");
        String trip = node.createTrip(driver, "Goa", "Hubli", 2, 5, 200);
        String key = "shared-key-1";
        assertThat(send(node.api(), "POST", "/api/v1/trips/" + trip + "/bookings", rider.token(), key,
                map("seats", 1)).status()).isEqualTo(201);
        HttpResult otherBody = send(node.api(), "POST", "/api/v1/trips/" + trip + "/bookings", rider.token(), key,
                map("seats", 2));
        ErrorShape.assertClearError(otherBody, 422, "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key");
        HttpResult otherOperation = send(node.api(), "DELETE", "/api/v1/bookings/" + UUID.randomUUID(),
                rider.token(), key, null);
        ErrorShape.assertClearError(otherOperation, 422, "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key");

        HttpResult theirs = send(node.api(), "POST", "/api/v1/trips/" + trip + "/bookings", rider2.token(), key,
                map("seats", 1));
        assertThat(theirs.status()).as(theirs.text()).isEqualTo(201);
        assertThat(theirs.header("Idempotent-Replayed")).isNull();
        assertThat(count("SELECT count(*) FROM bookings WHERE trip_id = ?::uuid", trip)).isEqualTo(2);
    }

    @Test
    @Order(4)
    void badKeys_are400NamingTheHeader_andNothingIsCreated() {
        Account driver = node.register("driver");
        Account rider = node.register("passenger");
        String trip = node.createTrip(driver, "Kochi", "Munnar", 2, 5, 200);
        for (String bad : List.of("x".repeat(201), "with space", "tab\tkey")) {
            HttpRequest.Builder b = node.api().request("/api/v1/trips/" + trip + "/bookings", rider.token())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"seats\":1}"));
            HttpResult r;
            try {
                r = node.api().send(b.header("Idempotency-Key", bad).build());
            } catch (IllegalArgumentException refusedByTheClient) {
                continue; // java.net.http refuses some of these itself; what it sends must be refused by the node
            }
            assertThat(r.status()).as("key [" + bad + "]: " + r.text()).isEqualTo(400);
            ErrorShape.assertClearError(r, 400, "VALIDATION_FAILED", "Idempotency-Key");
        }
        // an empty key and non-ASCII bytes on the wire, which java.net.http will not send
        for (String bad : List.of("", "cl\u00e9")) {
            HttpResult raw = com.hushryd.testing.RawHttp.exchange(node.node().port(), "POST /api/v1/trips/" + trip
                    + "/bookings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + rider.token()
                    + "\r\nContent-Type: application/json\r\nIdempotency-Key: " + bad + "\r\nContent-Length: 11\r\n"
                    + "Connection: close", "{\"seats\":1}");
            ErrorShape.assertClearError(raw, 400, "VALIDATION_FAILED", "Idempotency-Key");
        }
        assertThat(count("SELECT count(*) FROM bookings WHERE trip_id = ?::uuid", trip)).isZero();
    }

    @Test
    @Order(5)
    void oneKeyAtTheSameInstantOnTwoNodes_createsOneBooking_bothGetItsAnswer() throws Exception {
        Account driver = node.register("driver");
        Account rider = node.register("passenger");
        String trip = node.createTrip(driver, "Indore", "Bhopal", 2, 8, 150);
        for (int round = 0; round < 5; round++) {
            String key = "race-" + round + "-" + UUID.randomUUID();
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<HttpResult>> calls = new ArrayList<>();
            for (ApiClient api : List.of(node.api(), other.api(), node.api(), other.api())) {
                calls.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return send(api, "POST", "/api/v1/trips/" + trip + "/bookings", rider.token(), key,
                            map("seats", 1));
                }));
            }
            go.countDown();
            List<HttpResult> answers = calls.stream().map(CompletableFuture::join).toList();
            for (HttpResult a : answers) {
                assertThat(a.status()).as(a.text()).isEqualTo(201);
                assertThat(a.json()).isEqualTo(answers.get(0).json());
            }
            assertThat(count("SELECT count(*) FROM bookings WHERE trip_id = ?::uuid AND status = 'confirmed'", trip))
                    .isEqualTo(1);
            assertThat(send(node.api(), "DELETE", "/api/v1/bookings/" + answers.get(0).str("id"), rider.token(),
                    null, null).status()).isEqualTo(200);
        }
    }

    @Test
    @Order(6)
    void expiredKey_isFreeAgain_andThePurgeDeletesExpiredRows() throws Exception {
        Account driver = node.register("driver");
        String key = UUID.randomUUID().toString();
        Map<String, Object> trip = map("source", map("city", "Ooty", "lat", 11.41, "lng", 76.69),
                "destination", map("city", "Mysuru", "lat", 12.29, "lng", 76.64),
                "departureTime", java.time.OffsetDateTime.now().plusDays(3).toString(), "seats", 3,
                "pricePerSeat", 250);
        assertThat(send(node.api(), "POST", "/api/v1/trips", driver.token(), key, trip).status()).isEqualTo(201);
        Sql.rows(db, "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE user_id = ?::uuid "
                + "RETURNING key", driver.id());
        HttpResult again = send(node.api(), "POST", "/api/v1/trips", driver.token(), key, trip);
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.header("Idempotent-Replayed")).isNull();
        assertThat(count("SELECT count(*) FROM trips WHERE driver_id = ?::uuid", driver.id())).isEqualTo(2);

        Sql.rows(db, "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE user_id = ?::uuid "
                + "RETURNING key", driver.id());
        IdempotencyKeys keys = new IdempotencyKeys(node.node().database(), java.time.Duration.ofHours(24),
                java.time.Clock.systemUTC());
        assertThat(keys.purgeExpired()).isGreaterThanOrEqualTo(1);
        assertThat(count("SELECT count(*) FROM idempotency_keys WHERE user_id = ?::uuid", driver.id())).isZero();
        assertThat(count("SELECT count(*) FROM idempotency_keys")).isPositive();
    }

    @Test
    @Order(7)
    void databaseDown_keyedCreate_is503WithRetryAfter_never500() {
        Account driver = other.register("driver");
        Account rider = other.register("passenger");
        String trip = other.createTrip(driver, "Delhi", "Agra", 2, 4, 500);
        String booking = send(other.api(), "POST", "/api/v1/trips/" + trip + "/bookings", rider.token(), null,
                map("seats", 1)).str("id");
        proxy.cut();
        HttpResult message = send(other.api(), "POST", "/api/v1/conversations/" + booking + "/messages",
                rider.token(), UUID.randomUUID().toString(), map("text", "hello?"));
        assertThat(message.status()).as(message.text()).isEqualTo(503);
        assertThat(message.header("Retry-After")).isNotNull();
        HttpResult r = send(other.api(), "POST", "/api/v1/trips/" + trip + "/bookings", rider.token(),
                UUID.randomUUID().toString(), map("seats", 2));
        assertThat(r.status()).as(r.text()).isEqualTo(503);
        assertThat(r.header("Retry-After")).isNotNull();
        assertThat(r.errorCode()).isIn("DATABASE_UNAVAILABLE", "DB_POOL_EXHAUSTED", "DEPENDENCY_UNAVAILABLE");
    }
}
