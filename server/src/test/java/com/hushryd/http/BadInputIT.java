package com.hushryd.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.auth.Role;
import com.hushryd.auth.TokenService;
import com.hushryd.testing.ErrorShape;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kind of bad request gets a clear 4xx in the error shape: never a 500, never a stack trace. */
class BadInputIT {
    static TestNode node;
    static Account passenger;
    static Account driver;
    static String trip;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("HTTP_BODY_LIMIT", "16kb"));
        passenger = node.register("passenger");
        driver = node.register("driver");
        trip = node.createTrip(driver, "Goa", "Pune", 2, 3, 900);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    enum Caller { NONE, PASSENGER, DRIVER, FORGED, EXPIRED, GARBAGE, NOT_BEARER }

    private static String token(Caller c) {
        return switch (c) {
            case NONE, NOT_BEARER -> null;
            case PASSENGER -> passenger.token();
            case DRIVER -> driver.token();
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
            Arguments.of("PATCH", "/api/v1/me", Caller.PASSENGER, "application/json", "{\"role\":\"admin\"}", 400, "VALIDATION_FAILED", "role"),
            Arguments.of("PATCH", "/api/v1/me", Caller.PASSENGER, "application/json", "{}", 400, "VALIDATION_FAILED", "(body)"),
            Arguments.of("PATCH", "/api/v1/me", Caller.PASSENGER, "application/json", "{\"name\":7}", 400, "VALIDATION_FAILED", "name"),
            Arguments.of("PATCH", "/api/v1/me", Caller.PASSENGER, "application/json", "{\"email\":\"nope\"}", 400, "VALIDATION_FAILED", "email"),
            Arguments.of("PUT", "/api/v1/me/emergency-contacts", Caller.PASSENGER, "application/json", "{\"contacts\":[null]}", 400, "VALIDATION_FAILED", "contacts[0]"),
            Arguments.of("PUT", "/api/v1/me/emergency-contacts", Caller.PASSENGER, "application/json", "{}", 400, "VALIDATION_FAILED", "contacts"),
            // query strings
            Arguments.of("GET", "/api/v1/trips/search?limit=0", Caller.PASSENGER, null, null, 400, "VALIDATION_FAILED", "limit"),
            Arguments.of("GET", "/api/v1/trips/search?limit=ten", Caller.PASSENGER, null, null, 400, "VALIDATION_FAILED", "limit"),
            Arguments.of("GET", "/api/v1/trips/search?date=31-12-2026", Caller.PASSENGER, null, null, 400, "VALIDATION_FAILED", "date"),
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
}
