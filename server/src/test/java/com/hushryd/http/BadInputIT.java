package com.hushryd.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.auth.Role;
import com.hushryd.auth.TokenService;
import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.ApiClient;
import com.hushryd.testing.ErrorShape;
import com.hushryd.testing.LogCapture;
import com.hushryd.testing.RawHttp;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every kind of bad request gets a clear 4xx in the error shape: never a 500, never a stack trace. */
class BadInputIT {
    static final String ADMIN_PHONE = "+919999999993";
    static final String ADMIN_PASSWORD = "admin-password-13";
    static TestNode node;
    static Account passenger;
    static Account driver;
    static String admin;
    static String trip;
    static String activeTrip;
    static String sosAlert;
    static SocketIoAgent agent;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("HTTP_BODY_LIMIT", "16kb", "HTTP_BODY_TIMEOUT", "1s",
                "ADMIN_PHONE", ADMIN_PHONE, "ADMIN_PASSWORD", ADMIN_PASSWORD));
        passenger = node.register("passenger");
        driver = node.register("driver");
        admin = node.api().post("/api/v1/auth/login", null, ApiClient.map("phone", ADMIN_PHONE, "password",
                ADMIN_PASSWORD)).str("accessToken");
        trip = node.createTrip(driver, "Goa", "Pune", 2, 3, 900);
        activeTrip = node.createTrip(driver, "Goa", "Panaji", 1, 3, 100);
        assertThat(node.api().post("/api/v1/trips/" + activeTrip + "/bookings", passenger.token(),
                ApiClient.map("seats", 1)).status()).isEqualTo(201);
        assertThat(node.api().post("/api/v1/trips/" + activeTrip + "/start", driver.token(), "").status())
                .isEqualTo(200);
        HttpResult sos = node.api().post("/api/v1/sos", passenger.token(), ApiClient.map("tripId", activeTrip));
        assertThat(sos.status()).as(sos.text()).isIn(200, 201);
        sosAlert = sos.str("alertId");
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
        node.close();
    }

    enum Caller { NONE, PASSENGER, DRIVER, ADMIN, FORGED, EXPIRED, GARBAGE, NOT_BEARER }

    private static String token(Caller c) {
        return switch (c) {
            case NONE, NOT_BEARER -> null;
            case PASSENGER -> passenger.token();
            case DRIVER -> driver.token();
            case ADMIN -> admin;
            case FORGED -> new TokenService("another-secret-0123456789-0123456789-xx", null, Duration.ofHours(1),
                    Clock.systemUTC()).issue(UUID.fromString(passenger.id()), Role.ADMIN).token();
            case EXPIRED -> new TokenService(TestNode.JWT_SECRET, null, Duration.ofMinutes(1),
                    Clock.offset(Clock.systemUTC(), Duration.ofHours(-2))).issue(UUID.fromString(passenger.id()),
                    Role.PASSENGER).token();
            case GARBAGE -> "garbage";
        };
    }

    static Stream<Arguments> badRequests() {
        String t = "/api/v1/trips/";
        String validTrip = "{\"source\":{\"city\":\"A\",\"lat\":1,\"lng\":2},\"destination\":{\"city\":\"B\",\"lat\":1,\"lng\":2},"
                + "\"departureTime\":\"" + java.time.OffsetDateTime.now().plusDays(10) + "\",\"seats\":2,\"pricePerSeat\":10}";
        return Stream.of(
            // authentication
            Arguments.of("GET", "/api/v1/me", Caller.NONE, null, null, 401, "UNAUTHORIZED", null),
            Arguments.of("GET", "/api/v1/me", Caller.FORGED, null, null, 401, "INVALID_TOKEN", null),
            Arguments.of("GET", "/api/v1/me", Caller.EXPIRED, null, null, 401, "TOKEN_EXPIRED", null),
            Arguments.of("GET", "/api/v1/me", Caller.GARBAGE, null, null, 401, "INVALID_TOKEN", null),
            Arguments.of("GET", "/api/v1/me", Caller.NOT_BEARER, null, null, 401, "UNAUTHORIZED", null),
            // routing
            Arguments.of("GET", "/api/v1/nowhere", Caller.PASSENGER, null, null, 404, "NOT_FOUND", null),
            Arguments.of("PUT", "/api/v1/trips/search", Caller.PASSENGER, null, null, 405, "METHOD_NOT_ALLOWED", null),
            Arguments.of("GET", t + "not-a-uuid", Caller.PASSENGER, null, null, 400, "VALIDATION_FAILED", "id"),
            Arguments.of("GET", t + UUID.randomUUID(), Caller.PASSENGER, null, null, 404, "NOT_FOUND", null),
            // bodies
            Arguments.of("POST", "/api/v1/auth/register", Caller.NONE, "application/json", "{\"phone\":", 400, "MALFORMED_JSON", null),
            Arguments.of("POST", "/api/v1/auth/register", Caller.NONE, "application/json", "", 400, "MISSING_BODY", null),
            Arguments.of("POST", "/api/v1/auth/register", Caller.NONE, "text/plain", "{}", 415, "UNSUPPORTED_MEDIA_TYPE", null),
            Arguments.of("POST", "/api/v1/auth/register", Caller.NONE, "application/json", "[1,2]", 400, "MALFORMED_JSON", null),
            Arguments.of("POST", "/api/v1/auth/register", Caller.NONE, "application/json",
                "{\"phone\":\"+919800000009\",\"name\":\"X\",\"password\":\"password-1\",\"role\":\"admin\"}", 400, "VALIDATION_FAILED", "role"),
            Arguments.of("POST", "/api/v1/auth/register", Caller.NONE, "application/json",
                "{\"phone\":\"12345\",\"name\":\"X\",\"password\":\"password-1\",\"role\":\"driver\"}", 400, "VALIDATION_FAILED", "phone"),
            Arguments.of("POST", "/api/v1/auth/register", Caller.NONE, "application/json",
                "{\"phone\":\"+919800000009\",\"name\":\"X\",\"password\":\"short\",\"role\":\"driver\"}", 400, "VALIDATION_FAILED", "password"),
            Arguments.of("POST", "/api/v1/auth/register", Caller.NONE, "application/json",
                "{\"phone\":\"+919800000009\",\"name\":\"X\",\"password\":\"password-1\",\"role\":\"driver\",\"isAdmin\":true}", 400, "VALIDATION_FAILED", "isAdmin"),
            Arguments.of("POST", "/api/v1/auth/login", Caller.NONE, "application/json",
                "{\"phone\":\"+919800000009\",\"password\":\"wrong-password\"}", 401, "INVALID_CREDENTIALS", null),
            Arguments.of("POST", "/api/v1/auth/login", Caller.NONE, "application/json", "{\"phone\":5,\"password\":\"x\"}", 400, "VALIDATION_FAILED", "phone"),
            Arguments.of("POST", "/api/v1/trips", Caller.DRIVER, "application/json", validTrip.replace("\"seats\":2", "\"seats\":\"2\""), 400, "VALIDATION_FAILED", "seats"),
            Arguments.of("POST", "/api/v1/trips", Caller.DRIVER, "application/json", validTrip.replace("\"lat\":1,", "\"lat\":91,"), 400, "VALIDATION_FAILED", "source.lat"),
            Arguments.of("POST", "/api/v1/trips", Caller.DRIVER, "application/json", validTrip.replaceAll("departureTime\":\"[^\"]+", "departureTime\":\"2001-01-01T00:00:00Z"), 400, "VALIDATION_FAILED", "departureTime"),
            Arguments.of("POST", "/api/v1/trips", Caller.DRIVER, "application/json", validTrip.replaceAll("departureTime\":\"[^\"]+", "departureTime\":\"tomorrow"), 400, "VALIDATION_FAILED", "departureTime"),
            Arguments.of("POST", "/api/v1/trips", Caller.DRIVER, "application/json", validTrip.replace("\"pricePerSeat\":10", "\"pricePerSeat\":10.001"), 400, "VALIDATION_FAILED", "pricePerSeat"),
            Arguments.of("POST", "/api/v1/trips", Caller.DRIVER, "application/json", validTrip.replace("\"seats\":2", "\"seats\":0"), 400, "VALIDATION_FAILED", "seats"),
            Arguments.of("POST", "/api/v1/trips", Caller.DRIVER, "application/json", "{\"source\":{}}", 400, "VALIDATION_FAILED", "source.city"),
            Arguments.of("POST", "/api/v1/trips", Caller.PASSENGER, "application/json", validTrip, 403, "FORBIDDEN", null),
            Arguments.of("POST", "/api/v1/trips", Caller.DRIVER, "application/json", "{\"seats\":99999999999999999999}", 400, "VALIDATION_FAILED", "seats"),
            Arguments.of("POST", "/api/v1/trips", Caller.DRIVER, "application/json", "{\"seats\":" + "9".repeat(101) + "}", 400, "VALIDATION_FAILED", "seats"),
            Arguments.of("POST", "/api/v1/trips", Caller.DRIVER, "application/json", "{\"source\":{\"city\":\"A\",\"lat\":-" + "1".repeat(101) + "}}", 400, "VALIDATION_FAILED", "source.lat"),
            Arguments.of("POST", "/api/v1/trips", Caller.DRIVER, "application/json", "{\"seats\":\" \"}", 400, "VALIDATION_FAILED", "seats"),
            Arguments.of("POST", "/api/v1/trips", Caller.DRIVER, "application/json", "{\"seats\":\"\"}", 400, "VALIDATION_FAILED", "seats"),
            Arguments.of("PUT", "/api/v1/me/emergency-contacts", Caller.PASSENGER, "application/json", "{\"contacts\":[{\"name\":\"A\",\"phone\":" + "7".repeat(101) + "}]}", 400, "VALIDATION_FAILED", "contacts[0].phone"),
            Arguments.of("PATCH", "/api/v1/me", Caller.PASSENGER, "application/json", "{\"role\":\"admin\"}", 400, "VALIDATION_FAILED", "role"),
            Arguments.of("PATCH", "/api/v1/me", Caller.PASSENGER, "application/json", "{}", 400, "VALIDATION_FAILED", "(body)"),
            Arguments.of("PATCH", "/api/v1/me", Caller.PASSENGER, "application/json", "{\"name\":7}", 400, "VALIDATION_FAILED", "name"),
            Arguments.of("PATCH", "/api/v1/me", Caller.PASSENGER, "application/json", "{\"email\":\"nope\"}", 400, "VALIDATION_FAILED", "email"),
            Arguments.of("PUT", "/api/v1/me/emergency-contacts", Caller.PASSENGER, "application/json", "{\"contacts\":[null]}", 400, "VALIDATION_FAILED", "contacts[0]"),
            Arguments.of("PUT", "/api/v1/me/emergency-contacts", Caller.PASSENGER, "application/json", "{}", 400, "VALIDATION_FAILED", "contacts"),
            // blank or NUL strings are not a missing number (they were stored as null)
            Arguments.of("POST", t + "{active}/location", Caller.DRIVER, "application/json", "{\"lat\":1,\"lng\":2,\"speed\":\"   \"}", 400, "VALIDATION_FAILED", "speed"),
            Arguments.of("POST", t + "{active}/location", Caller.DRIVER, "application/json", "{\"lat\":1,\"lng\":2,\"heading\":\"\\u0000\"}", 400, "VALIDATION_FAILED", "heading"),
            Arguments.of("POST", t + "{active}/location", Caller.DRIVER, "application/json", "{\"lat\":1,\"lng\":2,\"accuracy\":\"\"}", 400, "VALIDATION_FAILED", "accuracy"),
            Arguments.of("POST", "/api/v1/sos/{alert}/location", Caller.PASSENGER, "application/json", "{\"lat\":1,\"lng\":2,\"speed\":\" \"}", 400, "VALIDATION_FAILED", "speed"),
            Arguments.of("POST", "/api/v1/sos/{alert}/location", Caller.PASSENGER, "application/json", "{\"lat\":1,\"lng\":2,\"accuracy\":\"\\u0000\"}", 400, "VALIDATION_FAILED", "accuracy"),
            Arguments.of("POST", "/api/v1/locations/batch", Caller.DRIVER, "application/json", "{\"updates\":[{\"tripId\":\"{active}\",\"lat\":1,\"lng\":2,\"heading\":\" \"}]}", 400, "VALIDATION_FAILED", "updates[0].heading"),
            Arguments.of("POST", "/api/v1/admin/queues/jobs/jobs", Caller.ADMIN, "application/json", "{\"type\":\"noop\",\"attempts\":\" \"}", 400, "VALIDATION_FAILED", "attempts"),
            Arguments.of("POST", "/api/v1/admin/queues/jobs/jobs", Caller.ADMIN, "application/json", "{\"type\":\"noop\",\"delaySeconds\":\"\\u0000\"}", 400, "VALIDATION_FAILED", "delaySeconds"),
            Arguments.of("POST", "/api/v1/admin/queues/jobs/jobs", Caller.ADMIN, "application/json", "{\"type\":\"noop\",\"attempts\":" + "1".repeat(101) + "}", 400, "VALIDATION_FAILED", "attempts"),
            Arguments.of("POST", "/api/v1/admin/queues/not-a-uuid/jobs", Caller.ADMIN, "application/json", "{\"type\":\"noop\"}", 404, "QUEUE_NOT_FOUND", null),
            // query strings
            Arguments.of("GET", "/api/v1/trips/search?limit=0", Caller.PASSENGER, null, null, 400, "VALIDATION_FAILED", "limit"),
            Arguments.of("GET", "/api/v1/trips/search?limit=ten", Caller.PASSENGER, null, null, 400, "VALIDATION_FAILED", "limit"),
            Arguments.of("GET", "/api/v1/trips/search?date=31-12-2026", Caller.PASSENGER, null, null, 400, "VALIDATION_FAILED", "date"),
            Arguments.of("GET", "/api/v1/trips/search?date=%2B999999999-12-31", Caller.PASSENGER, null, null, 400, "VALIDATION_FAILED", "date"),
            Arguments.of("GET", "/api/v1/trips/search?date=-999999999-01-01", Caller.PASSENGER, null, null, 400, "VALIDATION_FAILED", "date"),
            Arguments.of("GET", "/api/v1/trips/search?tz=Mars/Olympus", Caller.PASSENGER, null, null, 400, "VALIDATION_FAILED", "tz"),
            Arguments.of("GET", "/api/v1/trips/search?maxPrice=cheap", Caller.PASSENGER, null, null, 400, "VALIDATION_FAILED", "maxPrice"),
            Arguments.of("GET", "/api/v1/trips/search?cursor=bogus", Caller.PASSENGER, null, null, 400, "INVALID_CURSOR", "cursor"),
            Arguments.of("GET", "/api/v1/trips/search?form=Goa", Caller.PASSENGER, null, null, 400, "VALIDATION_FAILED", "form"),
            Arguments.of("GET", "/api/v1/trips/search?from=a&from=b", Caller.PASSENGER, null, null, 400, "VALIDATION_FAILED", "from"),
            Arguments.of("GET", "/api/v1/bookings?tripId=42", Caller.PASSENGER, null, null, 400, "VALIDATION_FAILED", "tripId"),
            // roles and ownership
            Arguments.of("GET", "/api/v1/admin/cluster", Caller.PASSENGER, null, null, 403, "FORBIDDEN", null),
            Arguments.of("GET", "/api/v1/admin/cluster", Caller.FORGED, null, null, 401, "INVALID_TOKEN", null)
        );
    }

    @ParameterizedTest(name = "{0} {1} as {2} -> {5} {6}")
    @MethodSource("badRequests")
    void badRequest_getsAClearErrorInTheContractShape(String method, String path, Caller caller, String contentType,
            String body, int status, String code, String field) {
        path = path.replace("{active}", activeTrip).replace("{alert}", sosAlert);
        body = body == null ? null : body.replace("{active}", activeTrip);
        var b = node.api().request(path, token(caller));
        if (caller == Caller.NOT_BEARER) {
            b.header("Authorization", "Basic dXNlcjpwYXNz");
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        HttpResult r = node.api().send(b.method(method, body == null
                ? java.net.http.HttpRequest.BodyPublishers.noBody()
                : java.net.http.HttpRequest.BodyPublishers.ofString(body)).build());
        ErrorShape.assertClearError(r, status, code, field);
        if (status == 401) {
            assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
        }
    }

    @Test
    void oversizedBody_is413() {
        byte[] big = ("{\"name\":\"" + "x".repeat(40_000) + "\"}").getBytes(StandardCharsets.UTF_8);
        HttpResult r = node.api().raw("PATCH", "/api/v1/me", passenger.token(), "application/json", big);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.errorCode()).isEqualTo("PAYLOAD_TOO_LARGE");
        assertThat(r.json().path("error").path("details").path("limitBytes").asLong()).isEqualTo(16 * 1024);
    }

    @Test
    void clientRequestId_isEchoedInResponseAndErrors() {
        var b = node.api().request("/api/v1/nowhere", passenger.token()).header("X-Request-Id", "app-trace-42");
        HttpResult r = node.api().send(b.GET().build());
        assertThat(r.header("X-Request-Id")).isEqualTo("app-trace-42");
        assertThat(r.json().path("requestId").asText()).isEqualTo("app-trace-42");
        var hostile = node.api().request("/api/v1/me", passenger.token()).header("X-Request-Id", "<script>");
        assertThat(node.api().send(hostile.GET().build()).header("X-Request-Id")).isNotEqualTo("<script>");
    }

    @Test
    void bookingTooManySeats_isAConflictNamingWhatIsLeft() {
        HttpResult r = node.api().post("/api/v1/trips/" + trip + "/bookings", node.register("passenger").token(),
                Map.of("seats", 4));
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.errorCode()).isEqualTo("SEATS_UNAVAILABLE");
        assertThat(r.json().path("error").path("details").path("seatsAvailable").asInt()).isEqualTo(3);
        HttpResult asDriver = node.api().post("/api/v1/trips/" + trip + "/bookings", driver.token(), Map.of("seats", 1));
        assertThat(asDriver.status()).isEqualTo(403);
        HttpResult noTrip = node.api().post("/api/v1/trips/" + UUID.randomUUID() + "/bookings", passenger.token(),
                Map.of("seats", 1));
        assertThat(noTrip.status()).isEqualTo(404);
    }

    static Stream<String> badlyEncodedTargets() {
        return Stream.of("/%", "/health/%", "/api/v1/trips/%", "/api/v1/trips/search?from=%zz",
                "/api/v1/trips/search?from=%", "/api/v1/bookings?cursor=%", "/api/v1/drivers/nearby?lat=%",
                "/api/v1/me?x=%4", "/uploads/%");
    }

    @ParameterizedTest(name = "GET {0}")
    @MethodSource("badlyEncodedTargets")
    void badPercentEncoding_isA400InTheErrorShape_beforeAuthentication(String target) {
        try (LogCapture logs = LogCapture.start()) {
            ErrorShape.assertClearError(RawHttp.get(port(), target), 400, "MALFORMED_URI", null);
            assertThat(logs.errorsAndStackTraces()).isEmpty();
        }
    }

    @Test
    void pollingWithBadPercentEncoding_getsAnEngineIoError_andNoStackTrace() {
        try (LogCapture logs = LogCapture.start()) {
            HttpResult r = RawHttp.get(port(), "/socket.io/?EIO=4&transport=polling&sid=%");
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.json().path("code").asInt()).as(r.text()).isEqualTo(3);
            assertThat(logs.errorsAndStackTraces()).isEmpty();
        }
    }

    @ParameterizedTest(name = "Content-Length: {0}")
    @ValueSource(strings = {"-1", "abc", "1 2", "99999999999999999999999"})
    void undecodableContentLength_isA400InTheErrorShape(String length) {
        HttpResult r = RawHttp.exchange(port(), "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + length, "{}");
        ErrorShape.assertClearError(r, 400, "MALFORMED_REQUEST", null);
    }

    @Test
    void requestLineTooLong_is414_andHeadersTooLarge_is431_inTheErrorShape() {
        HttpResult longPath = RawHttp.get(port(), "/api/v1/trips/" + "a".repeat(4200));
        ErrorShape.assertClearError(longPath, 414, "URI_TOO_LONG", null);
        HttpResult bigHeader = RawHttp.exchange(port(), "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: "
                + "b".repeat(20_000), null);
        ErrorShape.assertClearError(bigHeader, 431, "HEADERS_TOO_LARGE", null);
    }

    @Test
    void bodyShorterThanItsContentLength_is408AfterTheBodyTimeout_andTheConnectionCloses() {
        try (RawHttp http = RawHttp.open(port())) {
            long start = System.nanoTime();
            http.send("PATCH /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + passenger.token()
                    + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":");
            HttpResult r = http.read(Duration.ofSeconds(20));
            ErrorShape.assertClearError(r, 408, "REQUEST_TIMEOUT", null);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
            assertThat(http.closedWithin(Duration.ofSeconds(5))).isTrue();
        }
        // a slow but complete body is not cut off: the timer only runs while the body is incomplete
        HttpResult ok = node.api().patch("/api/v1/me", passenger.token(), ApiClient.map("name", "Still Here"));
        assertThat(ok.status()).as(ok.text()).isEqualTo(200);
    }

    @Test
    void pollingBodyShorterThanItsContentLength_is408AfterTheBodyTimeout_andTheConnectionCloses() throws Exception {
        HttpResult open = RawHttp.get(port(), "/socket.io/?EIO=4&transport=polling");
        String sid = new com.fasterxml.jackson.databind.ObjectMapper().readTree(open.text().substring(1)).path("sid")
                .asText();
        try (RawHttp http = RawHttp.open(port())) {
            long start = System.nanoTime();
            http.send("POST /socket.io/?EIO=4&transport=polling&sid=" + sid + " HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Type: text/plain\r\nContent-Length: 100\r\n\r\n40");
            HttpResult r = http.read(Duration.ofSeconds(20));
            assertThat(r.status()).as(r.text()).isEqualTo(408);
            assertThat(r.json().path("code").asInt()).isEqualTo(3);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
            assertThat(http.closedWithin(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void concurrentEmergencyContactReplacements_allSucceed_andTheLastOneWins() throws Exception {
        Account user = node.register("passenger");
        List<List<Map<String, Object>>> lists = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            List<Map<String, Object>> contacts = new ArrayList<>();
            for (int j = 0; j <= i % 4; j++) {
                contacts.add(ApiClient.map("name", "C" + i + "-" + j, "phone",
                        String.format("+9181%04d%04d", i, j), "relationship", "r" + i));
            }
            lists.add(contacts);
        }
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<HttpResult>> puts = new ArrayList<>();
            for (List<Map<String, Object>> contacts : lists) {
                puts.add(pool.submit(() -> {
                    go.await();
                    return node.api().put("/api/v1/me/emergency-contacts", user.token(),
                            ApiClient.map("contacts", contacts));
                }));
            }
            go.countDown();
            for (Future<HttpResult> put : puts) {
                HttpResult r = put.get(60, TimeUnit.SECONDS);
                assertThat(r.status()).as(r.text()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        JsonNode stored = node.api().get("/api/v1/me/emergency-contacts", user.token()).json().path("contacts");
        List<String> storedPhones = new ArrayList<>();
        stored.forEach(c -> storedPhones.add(c.path("phone").asText()));
        assertThat(lists.stream().map(l -> l.stream().map(c -> (String) c.get("phone")).toList()))
                .as("the stored list is exactly one of the submitted lists").contains(storedPhones);
    }

    @Test
    void enqueueIntoAnUnknownQueue_isRefused_andCreatesNothing() {
        HttpResult r = node.api().post("/api/v1/admin/queues/not-a-uuid/jobs", admin, ApiClient.map("type", "noop"));
        ErrorShape.assertClearError(r, 404, "QUEUE_NOT_FOUND", null);
        assertThat(node.api().get("/api/v1/admin/queues", admin).text()).doesNotContain("not-a-uuid");
        assertThat(node.api().get("/health", null).text()).doesNotContain("not-a-uuid");
        HttpResult builtIn = node.api().post("/api/v1/admin/queues/jobs/jobs", admin, ApiClient.map("type", "noop"));
        assertThat(builtIn.status()).as(builtIn.text()).isIn(201, 202);
    }

    @Test
    void blankNumbersOverTheSocket_getAnErrorAckNamingTheField() {
        agent = agent == null ? SocketIoAgent.start() : agent;
        SocketIoAgent.Client socket = agent.connect("bad-" + UUID.randomUUID().toString().substring(0, 8),
                node.api().base(), driver.token());
        for (String field : List.of("speed", "heading", "accuracy")) {
            for (String blank : List.of(" ", "\u0000", "")) {
                Map<String, Object> update = ApiClient.map("tripId", activeTrip, "lat", 15.4, "lng", 73.8, field, blank);
                JsonNode ack = socket.emitWithAck("location:update", update).get(0);
                assertThat(ack.path("ok").asBoolean()).as(ack.toString()).isFalse();
                assertThat(ack.path("error").path("code").asText()).isEqualTo("VALIDATION_FAILED");
                assertThat(ack.path("error").path("details").path("field").asText()).isEqualTo(field);
            }
        }
        socket.disconnect();
    }

    private static int port() {
        return node.node().port();
    }
}
