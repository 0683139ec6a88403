package com.hushryd.uploads;

import static com.hushryd.testing.ApiClient.map;

import com.hushryd.testing.ErrorShape;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every new endpoint (and the local upload URL) answers bad input with a clear 4xx in the contract's shape. */
class DocumentsBadInputIT {
    static final String ADMIN_PHONE = "+919811100098";
    static final String ADMIN_PASSWORD = "admin-password-456";
    static TestNode node;
    static Account passenger;
    static Account driver;
    static String admin;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("UPLOAD_MAX_SIZE", "1mb", "ADMIN_PHONE",
                ADMIN_PHONE, "ADMIN_PASSWORD", ADMIN_PASSWORD));
        passenger = node.register("passenger");
        driver = node.register("driver");
        admin = node.api().post("/api/v1/auth/login", null, map("phone", ADMIN_PHONE, "password", ADMIN_PASSWORD))
                .str("accessToken");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    enum Caller { NONE, PASSENGER, DRIVER, ADMIN }

    private static String token(Caller c) {
        return switch (c) {
            case NONE -> null;
            case PASSENGER -> passenger.token();
            case DRIVER -> driver.token();
            case ADMIN -> admin;
        };
    }

    static Stream<Arguments> badRequests() {
        String url = "/api/v1/documents/upload-url";
        String json = "application/json";
        String ok = "{\"documentType\":\"licence\",\"contentType\":\"image/png\",\"size\":1000}";
        String unusedKey = "documents%2F" + driver.id() + "%2Flicence%2F1700000000000-0123456789abcdef.png";
        String admin = "/api/v1/admin/drivers/" + driver.id() + "/documents";
        return Stream.of(
            // POST /documents/upload-url
            Arguments.of("POST", url, Caller.NONE, json, ok, 401, "UNAUTHORIZED", null),
            Arguments.of("POST", url, Caller.DRIVER, json, "{\"documentType\":", 400, "MALFORMED_JSON", null),
            Arguments.of("POST", url, Caller.DRIVER, json, "", 400, "MISSING_BODY", null),
            Arguments.of("POST", url, Caller.DRIVER, "text/plain", ok, 415, "UNSUPPORTED_MEDIA_TYPE", null),
            Arguments.of("POST", url, Caller.DRIVER, json, "{}", 400, "VALIDATION_FAILED", "documentType"),
            Arguments.of("POST", url, Caller.DRIVER, json, ok.replace("licence", "passport"), 400, "VALIDATION_FAILED", "documentType"),
            Arguments.of("POST", url, Caller.DRIVER, json, ok.replace("\"licence\"", "5"), 400, "VALIDATION_FAILED", "documentType"),
            Arguments.of("POST", url, Caller.DRIVER, json, ok.replace("image/png", "image/gif"), 400, "VALIDATION_FAILED", "contentType"),
            Arguments.of("POST", url, Caller.DRIVER, json, ok.replace("1000", "0"), 400, "VALIDATION_FAILED", "size"),
            Arguments.of("POST", url, Caller.DRIVER, json, ok.replace("1000", "1048577"), 400, "VALIDATION_FAILED", "size"),
            Arguments.of("POST", url, Caller.DRIVER, json, ok.replace("1000", "\"1000\""), 400, "VALIDATION_FAILED", "size"),
            Arguments.of("POST", url, Caller.DRIVER, json, ok.replace("1000", "10.5"), 400, "VALIDATION_FAILED", "size"),
            Arguments.of("POST", url, Caller.DRIVER, json, ok.replace("}", ",\"bucket\":\"x\"}"), 400, "VALIDATION_FAILED", "bucket"),
            Arguments.of("POST", url + "?expires=99999", Caller.DRIVER, json, ok, 400, "VALIDATION_FAILED", "expires"),
            Arguments.of("POST", url, Caller.PASSENGER, json, ok, 403, "FORBIDDEN", null),
            Arguments.of("POST", url, Caller.ADMIN, json, ok, 403, "FORBIDDEN", null),
            // POST /documents/{key}/complete
            Arguments.of("POST", "/api/v1/documents/" + unusedKey + "/complete", Caller.NONE, null, null, 401, "UNAUTHORIZED", null),
            Arguments.of("POST", "/api/v1/documents/not-a-key/complete", Caller.DRIVER, null, null, 400, "VALIDATION_FAILED", "key"),
            Arguments.of("POST", "/api/v1/documents/documents%2F..%2F..%2Fetc%2Fpasswd/complete", Caller.DRIVER, null, null, 400, "VALIDATION_FAILED", "key"),
            Arguments.of("POST", "/api/v1/documents/" + unusedKey + "/complete", Caller.DRIVER, null, null, 404, "UPLOAD_NOT_FOUND", null),
            Arguments.of("POST", "/api/v1/documents/" + unusedKey + "/complete", Caller.PASSENGER, null, null, 403, "FORBIDDEN", null),
            Arguments.of("POST", "/api/v1/documents/" + unusedKey + "/complete?now=1", Caller.DRIVER, null, null, 400, "VALIDATION_FAILED", "now"),
            Arguments.of("GET", "/api/v1/documents/" + unusedKey + "/complete", Caller.DRIVER, null, null, 405, "METHOD_NOT_ALLOWED", null),
            // GET /documents
            Arguments.of("GET", "/api/v1/documents", Caller.NONE, null, null, 401, "UNAUTHORIZED", null),
            Arguments.of("GET", "/api/v1/documents?status=done", Caller.DRIVER, null, null, 400, "VALIDATION_FAILED", "status"),
            Arguments.of("GET", "/api/v1/documents?limit=0", Caller.DRIVER, null, null, 400, "VALIDATION_FAILED", "limit"),
            Arguments.of("GET", "/api/v1/documents?limit=lots", Caller.DRIVER, null, null, 400, "VALIDATION_FAILED", "limit"),
            Arguments.of("GET", "/api/v1/documents?cursor=bogus", Caller.DRIVER, null, null, 400, "INVALID_CURSOR", "cursor"),
            Arguments.of("GET", "/api/v1/documents?driverId=" + driver.id(), Caller.PASSENGER, null, null, 400, "VALIDATION_FAILED", "driverId"),
            // GET /admin/drivers/{id}/documents
            Arguments.of("GET", admin, Caller.DRIVER, null, null, 403, "FORBIDDEN", null),
            Arguments.of("GET", "/api/v1/admin/drivers/42/documents", Caller.ADMIN, null, null, 400, "VALIDATION_FAILED", "id"),
            Arguments.of("GET", "/api/v1/admin/drivers/" + UUID.randomUUID() + "/documents", Caller.ADMIN, null, null, 404, "NOT_FOUND", null),
            Arguments.of("GET", admin + "?status=lost", Caller.ADMIN, null, null, 400, "VALIDATION_FAILED", "status"),
            Arguments.of("GET", admin + "?limit=101", Caller.ADMIN, null, null, 400, "VALIDATION_FAILED", "limit"),
            // the local store's upload URL
            Arguments.of("GET", "/uploads/documents/x.png", Caller.NONE, null, null, 405, "METHOD_NOT_ALLOWED", null),
            Arguments.of("PUT", "/uploads/documents/x.png", Caller.NONE, "image/png", "x", 403, "SIGNATURE_INVALID", null),
            Arguments.of("PUT", "/uploads/documents/x.png?expires=abc&size=1&type=image%2Fpng&sig=zz", Caller.NONE, "image/png", "x", 403, "SIGNATURE_INVALID", null),
            Arguments.of("PUT", "/uploads/", Caller.NONE, "image/png", "x", 403, "SIGNATURE_INVALID", null)
        );
    }

    @ParameterizedTest(name = "{0} {1} as {2} -> {5} {6}")
    @MethodSource("badRequests")
    void badRequest_getsAClearErrorInTheContractShape(String method, String path, Caller caller, String contentType,
            String body, int status, String code, String field) {
        var b = node.api().request(path, token(caller));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        HttpResult r = node.api().send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build());
        ErrorShape.assertClearError(r, status, code, field);
    }
}
