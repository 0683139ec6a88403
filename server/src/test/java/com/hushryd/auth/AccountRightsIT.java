package com.hushryd.auth;

import static com.hushryd.testing.ApiClient.map;
import static com.hushryd.testing.ErrorShape.assertClearError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.TestCluster;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rights follow the account (issue 13): an admin's role change or an account's deletion made on one node ends the
 * account's old tokens and sockets on the other at once. The session cache TTL is long here, so only the
 * invalidation can explain a refusal.
 */
class AccountRightsIT {
    static final String ADMIN_PHONE = "+919999999981";
    static final String ADMIN_PASSWORD = "admin-password-81";
    static final Duration AT_ONCE = Duration.ofSeconds(3);
    static TestCluster cluster;
    static TestNode a;
    static TestNode b;
    static SocketIoAgent agent;
    static String root;

    @BeforeAll
    static void start() {
        cluster = new TestCluster("r", Map.of("ADMIN_PHONE", ADMIN_PHONE, "ADMIN_PASSWORD", ADMIN_PASSWORD,
                "SESSION_CACHE_TTL", "10m"));
        a = cluster.a;
        b = cluster.b;
        agent = SocketIoAgent.start();
        root = login(a, ADMIN_PHONE, ADMIN_PASSWORD);
    }

    @AfterAll
    static void stop() {
        agent.close();
        cluster.close();
    }

    private static String login(TestNode n, String phone, String password) {
        HttpResult r = n.api().post("/api/v1/auth/login", null, map("phone", phone, "password", password));
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.str("accessToken");
    }

    private static HttpResult setRole(TestNode n, String id, String role) {
        return n.api().patch("/api/v1/admin/users/" + id, root, map("role", role));
    }

    @Test
    void adminDemotedOnA_losesAdminRoutesAndSosAlertsOnB_atOnce() {
        Account x = a.register("passenger");
        HttpResult promoted = setRole(a, x.id(), "admin");
        assertThat(promoted.status()).as(promoted.text()).isEqualTo(200);
        assertThat(promoted.str("role")).isEqualTo("admin");
        assertThat(b.api().get("/api/v1/me", x.token()).errorCode()).as("the passenger token no longer matches")
                .isEqualTo("TOKEN_REVOKED");
        String asAdmin = login(b, x.phone(), "password-123");
        assertThat(b.api().get("/api/v1/admin/sos", asAdmin).status()).as("cached as valid on b").isEqualTo(200);
        assertThat(b.api().get("/api/v1/admin/outbox", asAdmin).status()).isEqualTo(200);
        Client dashboard = agent.connect("demoted-" + UUID.randomUUID(), b.api().base(), asAdmin);
        Client control = agent.connect("root-" + UUID.randomUUID(), b.api().base(), root);
        assertThat(dashboard.connected()).isTrue();
        assertThat(control.connected()).isTrue();
        Account p = a.register("passenger");
        String before = a.api().post("/api/v1/sos", p.token(), map("lat", 1, "lng", 2)).str("alertId");
        dashboard.awaitEvent("sos:alert", args -> args.get(0).path("alert").path("id").asText().equals(before),
                Duration.ofSeconds(10));

        HttpResult demoted = setRole(a, x.id(), "passenger");
        assertThat(demoted.status()).as(demoted.text()).isEqualTo(200);
        assertThat(demoted.str("role")).isEqualTo("passenger");

        await().atMost(AT_ONCE).until(() -> b.api().get("/api/v1/admin/sos", asAdmin).status() == 401);
        assertClearError(b.api().get("/api/v1/admin/sos", asAdmin), 401, "TOKEN_REVOKED", null);
        assertClearError(b.api().get("/api/v1/admin/outbox", asAdmin), 401, "TOKEN_REVOKED", null);
        assertClearError(a.api().get("/api/v1/admin/outbox", asAdmin), 401, "TOKEN_REVOKED", null);
        JsonNode told = dashboard.awaitEvent("session:revoked", x2 -> true, AT_ONCE).get(0);
        assertThat(told.path("code").asText()).isEqualTo("TOKEN_REVOKED");
        assertThat(dashboard.awaitNotice("disconnect", AT_ONCE).toString()).contains("io server disconnect");

        String after = a.api().post("/api/v1/sos", p.token(), map("lat", 3, "lng", 4)).str("alertId");
        control.awaitEvent("sos:alert", args -> args.get(0).path("alert").path("id").asText().equals(after),
                Duration.ofSeconds(10));
        assertThat(dashboard.eventsNamed("sos:alert")).as("no alert reaches the demoted admin")
                .noneMatch(e -> e.toString().contains(after));
        Client reconnect = agent.connect("demoted-again-" + UUID.randomUUID(), b.api().base(),
                Map.of("token", asAdmin), Map.of("reconnection", false));
        assertThat(reconnect.connected()).isFalse();
        assertThat(reconnect.connectReply().path("error").path("data").path("code").asText())
                .isEqualTo("TOKEN_REVOKED");
        String asPassenger = login(b, x.phone(), "password-123");
        assertThat(b.api().get("/api/v1/admin/sos", asPassenger).status()).isEqualTo(403);
        assertThat(a.api().get("/api/v1/me", asPassenger).status()).isEqualTo(200);
        assertThat(setRole(b, x.id(), "passenger").str("role")).as("setting the same role changes nothing")
                .isEqualTo("passenger");
        assertThat(a.api().get("/api/v1/me", asPassenger).status()).isEqualTo(200);
    }

    @Test
    void accountDeletedOnA_itsTokenIsRefusedAtOnceOnEveryRouteAndAtConnect_onBothNodes() {
        Account driver = a.register("driver");
        String trip = a.createTrip(driver, "Pune", "Nashik", 3, 4, 300);
        Account d = a.register("passenger");
        HttpResult booked = b.api().post("/api/v1/trips/" + trip + "/bookings", d.token(), map("seats", 1));
        assertThat(booked.status()).as(booked.text()).isEqualTo(201);
        assertThat(b.api().get("/api/v1/me", d.token()).status()).as("cached as valid on b").isEqualTo(200);
        Client socket = agent.connect("deleted-" + UUID.randomUUID(), b.api().base(), d.token());
        assertThat(socket.connected()).isTrue();

        HttpResult deleted = a.api().delete("/api/v1/admin/users/" + d.id(), root);
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);

        await().atMost(AT_ONCE).until(() -> b.api().get("/api/v1/me", d.token()).status() == 401);
        for (TestNode n : List.of(b, a)) {
            assertClearError(n.api().get("/api/v1/me", d.token()), 401, "ACCOUNT_DELETED", null);
            assertClearError(n.api().get("/api/v1/trips/search?from=Pune&to=Nashik", d.token()), 401,
                    "ACCOUNT_DELETED", null);
            assertClearError(n.api().get("/api/v1/bookings", d.token()), 401, "ACCOUNT_DELETED", null);
            assertClearError(n.api().get("/api/v1/conversations", d.token()), 401, "ACCOUNT_DELETED", null);
            assertClearError(n.api().post("/api/v1/documents/upload-url", d.token(), map("documentType", "licence",
                    "contentType", "image/png", "size", 1000)), 401, "ACCOUNT_DELETED", null);
            assertClearError(n.api().post("/api/v1/sos", d.token(), map("lat", 1, "lng", 2)), 401,
                    "ACCOUNT_DELETED", null);
            assertClearError(n.api().post("/api/v1/trips/" + trip + "/bookings", d.token(), map("seats", 1)), 401,
                    "ACCOUNT_DELETED", null);
            assertClearError(n.api().post("/api/v1/auth/logout", d.token(), map()), 401, "ACCOUNT_DELETED", null);
        }
        JsonNode told = socket.awaitEvent("session:revoked", x -> true, AT_ONCE).get(0);
        assertThat(told.path("code").asText()).isEqualTo("ACCOUNT_DELETED");
        assertThat(socket.awaitNotice("disconnect", AT_ONCE).toString()).contains("io server disconnect");
        for (TestNode n : List.of(a, b)) {
            Client again = agent.connect("deleted-again-" + UUID.randomUUID(), n.api().base(),
                    Map.of("token", d.token()), Map.of("reconnection", false));
            assertThat(again.connected()).isFalse();
            assertThat(again.connectReply().path("error").path("data").path("code").asText())
                    .isEqualTo("ACCOUNT_DELETED");
        }

        assertThat(a.api().post("/api/v1/auth/login", null, map("phone", d.phone(), "password", "password-123"))
                .errorCode()).isEqualTo("INVALID_CREDENTIALS");
        assertThat(a.api().get("/api/v1/users/" + d.id(), driver.token()).status()).isEqualTo(404);
        HttpResult bookings = a.api().get("/api/v1/bookings?tripId=" + trip, driver.token());
        assertThat(bookings.status()).as(bookings.text()).isEqualTo(200);
        assertThat(bookings.json().path("items")).singleElement().satisfies(bk -> assertThat(bk.path("status")
                .asText()).as("the deleted passenger's booking is cancelled").isEqualTo("cancelled"));
        assertThat(a.api().get("/api/v1/trips/" + trip, driver.token()).json().path("seatsAvailable").asInt())
                .as("its seat is free again").isEqualTo(4);
        Account rider = a.register("passenger");
        assertThat(a.api().post("/api/v1/trips/" + trip + "/bookings", rider.token(), map("seats", 2)).status())
                .isEqualTo(201);
        assertThat(a.api().delete("/api/v1/admin/users/" + driver.id(), root).status()).isEqualTo(204);
        HttpResult cancelled = a.api().get("/api/v1/trips/" + trip, rider.token());
        assertThat(cancelled.json().path("status").asText()).as("a deleted driver's trip is cancelled: "
                + cancelled.text()).isEqualTo("cancelled");
        assertThat(cancelled.json().path("driver").path("name").asText()).isEqualTo("Deleted user");
        assertThat(a.api().get("/api/v1/bookings", rider.token()).json().path("items").get(0).path("status")
                .asText()).isEqualTo("cancelled");
        assertThat(a.api().delete("/api/v1/admin/users/" + d.id(), root).status()).as("already deleted")
                .isEqualTo(404);
        HttpResult again = a.api().post("/api/v1/auth/register", null, map("phone", d.phone(), "name", "New owner",
                "password", "password-456", "role", "passenger"));
        assertThat(again.status()).as("the phone is free again: " + again.text()).isEqualTo(201);
    }

    @Test
    void adminUserEndpoints_badInput_isA4xxInTheErrorShape() {
        Account u = a.register("passenger");
        String unknown = "/api/v1/admin/users/" + UUID.randomUUID();
        assertClearError(a.api().patch(unknown, root, map("role", "driver")), 404, "NOT_FOUND", null);
        assertClearError(a.api().delete(unknown, root), 404, "NOT_FOUND", null);
        String path = "/api/v1/admin/users/" + u.id();
        assertClearError(a.api().patch(path, root, map("role", "superuser")), 400, "VALIDATION_FAILED", "role");
        assertClearError(a.api().patch(path, root, map("role", 7)), 400, "VALIDATION_FAILED", "role");
        assertClearError(a.api().patch(path, root, map()), 400, "VALIDATION_FAILED", "role");
        assertThat(a.api().patch(path, root, map("role", "driver", "name", "x")).status()).isEqualTo(400);
        assertThat(a.api().raw("PATCH", path, root, "application/json", "{not json".getBytes()).status())
                .isEqualTo(400);
        assertThat(a.api().raw("PATCH", path, root, null, null).status()).isEqualTo(400);
        assertClearError(a.api().patch("/api/v1/admin/users/42", root, map("role", "driver")), 400,
                "VALIDATION_FAILED", "id");
        assertClearError(a.api().delete("/api/v1/admin/users/not-a-uuid", root), 400, "VALIDATION_FAILED", "id");
        assertClearError(a.api().delete(path + "?hard=true", root), 400, "VALIDATION_FAILED", "hard");
        assertClearError(a.api().patch(path, u.token(), map("role", "admin")), 403, "FORBIDDEN", null);
        assertClearError(a.api().delete(path, u.token()), 403, "FORBIDDEN", null);
        assertClearError(a.api().patch(path, null, map("role", "admin")), 401, "UNAUTHORIZED", null);
        assertThat(a.api().get("/api/v1/me", u.token()).json().path("role").asText()).as("nothing changed")
                .isEqualTo("passenger");

        String rootId = a.api().get("/api/v1/me", root).json().path("id").asText();
        assertClearError(a.api().patch("/api/v1/admin/users/" + rootId, root, map("role", "driver")), 409,
                "LAST_ADMIN", null);
        assertClearError(a.api().delete("/api/v1/admin/users/" + rootId, root), 409, "LAST_ADMIN", null);
        assertThat(a.api().get("/api/v1/admin/sos", root).status()).as("the last admin keeps its rights")
                .isEqualTo(200);
    }

    @Test
    void deleteMe_withThePassword_signsTheAccountOutEverywhere_badInputChangesNothing() {
        Account u = a.register("passenger");
        String other = login(b, u.phone(), "password-123");
        assertThat(b.api().get("/api/v1/me", other).status()).as("cached as valid on b").isEqualTo(200);
        Client socket = agent.connect("self-" + UUID.randomUUID(), b.api().base(), other);
        assertThat(socket.connected()).isTrue();

        assertClearError(a.api().raw("DELETE", "/api/v1/me", u.token(), null, null), 400, "MISSING_BODY", null);
        assertClearError(a.api().raw("DELETE", "/api/v1/me", u.token(), "application/json", "{}".getBytes()), 400,
                "VALIDATION_FAILED", "password");
        assertClearError(a.api().raw("DELETE", "/api/v1/me", u.token(), "application/json",
                "{\"password\":\"password-123\",\"now\":true}".getBytes()), 400, "VALIDATION_FAILED", "now");
        assertClearError(a.api().raw("DELETE", "/api/v1/me", u.token(), "application/json",
                "{\"password\":\"not-mine-at-all\"}".getBytes()), 401, "INVALID_CREDENTIALS", null);
        assertClearError(a.api().raw("DELETE", "/api/v1/me", null, "application/json",
                "{\"password\":\"password-123\"}".getBytes()), 401, "UNAUTHORIZED", null);
        assertThat(a.api().get("/api/v1/me", u.token()).status()).as("nothing changed").isEqualTo(200);

        HttpResult deleted = a.api().raw("DELETE", "/api/v1/me", u.token(), "application/json",
                "{\"password\":\"password-123\"}".getBytes());
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);
        await().atMost(AT_ONCE).until(() -> b.api().get("/api/v1/me", other).status() == 401);
        assertClearError(b.api().get("/api/v1/me", other), 401, "ACCOUNT_DELETED", null);
        assertClearError(a.api().get("/api/v1/me", u.token()), 401, "ACCOUNT_DELETED", null);
        assertThat(socket.awaitEvent("session:revoked", x -> true, AT_ONCE).get(0).path("code").asText())
                .isEqualTo("ACCOUNT_DELETED");
        assertThat(a.api().post("/api/v1/auth/login", null, map("phone", u.phone(), "password", "password-123"))
                .errorCode()).isEqualTo("INVALID_CREDENTIALS");
    }
}
