package com.hushryd.auth;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestCluster;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Logout and password change revoke tokens on every node of a cluster (two nodes, one PostgreSQL, one Redis). */
class SessionsIT {
    static TestCluster cluster;
    static TestNode a;
    static TestNode b;
    static SocketIoAgent agent;

    @BeforeAll
    static void start() {
        cluster = new TestCluster("s", Map.of());
        a = cluster.a;
        b = cluster.b;
        agent = SocketIoAgent.start();
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

    @Test
    void logoutOnOneNode_revokesThatTokenOnTheOther_andOnlyThatToken() {
        Account u = a.register("passenger");
        String second = login(b, u.phone(), "password-123");
        assertThat(b.api().get("/api/v1/me", u.token()).status()).as("cached as valid on b").isEqualTo(200);

        assertThat(a.api().post("/api/v1/auth/logout", u.token(), map()).status()).isEqualTo(204);
        HttpResult onA = a.api().get("/api/v1/me", u.token());
        assertThat(onA.status()).isEqualTo(401);
        assertThat(onA.errorCode()).isEqualTo("TOKEN_REVOKED");
        await().atMost(Duration.ofSeconds(10)).until(() -> b.api().get("/api/v1/me", u.token()).status() == 401);
        assertThat(b.api().get("/api/v1/me", second).status()).isEqualTo(200);
        assertThat(a.api().get("/api/v1/me", second).status()).isEqualTo(200);
    }

    @Test
    void logoutOnOneNode_disconnectsTheSocketsOfThatTokenOnTheOther_andOnlyThose() {
        Account u = a.register("passenger");
        String second = login(a, u.phone(), "password-123");
        Client revoked = agent.connect("revoked-" + UUID.randomUUID(), b.api().base(), u.token());
        Client kept = agent.connect("kept-" + UUID.randomUUID(), b.api().base(), second);
        assertThat(revoked.connected()).isTrue();
        assertThat(kept.connected()).isTrue();

        assertThat(a.api().post("/api/v1/auth/logout", u.token(), map()).status()).isEqualTo(204);
        JsonNode told = revoked.awaitEvent("session:revoked").get(0);
        assertThat(told.path("code").asText()).isEqualTo("TOKEN_REVOKED");
        JsonNode gone = revoked.awaitNotice("disconnect", Duration.ofSeconds(10));
        assertThat(gone.toString()).contains("io server disconnect");
        assertThat(kept.emitWithAck("no:such:event").get(0).path("error").path("code").asText())
                .as("the socket of the other token is still served").isEqualTo("UNKNOWN_EVENT");
        assertThat(kept.eventsNamed("session:revoked")).isEmpty();
    }

    @Test
    void passwordChange_revokesEveryOlderTokenOnEveryNode_andAnswersAWorkingNewOne() {
        Account u = a.register("driver");
        String other = login(a, u.phone(), "password-123");
        assertThat(a.api().get("/api/v1/me", other).status()).isEqualTo(200);

        HttpResult changed = b.api().post("/api/v1/me/password", u.token(),
                map("currentPassword", "password-123", "newPassword", "a-new-password-9"));
        assertThat(changed.status()).as(changed.text()).isEqualTo(200);
        String fresh = changed.str("accessToken");
        assertThat(changed.json().path("user").path("id").asText()).isEqualTo(u.id());

        await().atMost(Duration.ofSeconds(10)).until(() -> a.api().get("/api/v1/me", other).status() == 401);
        assertThat(a.api().get("/api/v1/me", u.token()).errorCode()).isEqualTo("TOKEN_REVOKED");
        assertThat(a.api().get("/api/v1/me", fresh).status()).isEqualTo(200);
        assertThat(b.api().get("/api/v1/me", fresh).status()).isEqualTo(200);
        assertThat(a.api().post("/api/v1/auth/login", null, map("phone", u.phone(), "password", "password-123"))
                .status()).isEqualTo(401);
        login(b, u.phone(), "a-new-password-9");
    }

    @Test
    void newEndpoints_badInput_isA4xxNamingTheProblem() {
        Account u = a.register("passenger");
        assertThat(a.api().post("/api/v1/auth/logout", null, map()).status()).isEqualTo(401);
        assertThat(a.api().post("/api/v1/auth/logout", "not-a-jwt", map()).errorCode()).isEqualTo("INVALID_TOKEN");
        HttpResult unknownQuery = a.api().post("/api/v1/auth/logout?all=true", u.token(), map());
        assertThat(unknownQuery.status()).isEqualTo(400);
        assertThat(unknownQuery.errorField()).isEqualTo("all");
        HttpResult missing = a.api().post("/api/v1/me/password", u.token(), map("currentPassword", "password-123"));
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.errorField()).isEqualTo("newPassword");
        HttpResult tooShort = a.api().post("/api/v1/me/password", u.token(),
                map("currentPassword", "password-123", "newPassword", "short"));
        assertThat(tooShort.status()).isEqualTo(400);
        assertThat(tooShort.errorField()).isEqualTo("newPassword");
        HttpResult wrongType = a.api().post("/api/v1/me/password", u.token(),
                map("currentPassword", 12345678, "newPassword", "long-enough-1"));
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(wrongType.errorField()).isEqualTo("currentPassword");
        HttpResult unknownField = a.api().post("/api/v1/me/password", u.token(),
                map("currentPassword", "password-123", "newPassword", "long-enough-1", "extra", 1));
        assertThat(unknownField.status()).isEqualTo(400);
        HttpResult notJson = a.api().raw("POST", "/api/v1/me/password", u.token(), "application/json",
                "{not json".getBytes());
        assertThat(notJson.status()).isEqualTo(400);
        HttpResult noBody = a.api().raw("POST", "/api/v1/me/password", u.token(), null, null);
        assertThat(noBody.status()).isEqualTo(400);
        HttpResult wrongCurrent = a.api().post("/api/v1/me/password", u.token(),
                map("currentPassword", "not-my-password", "newPassword", "long-enough-1"));
        assertThat(wrongCurrent.status()).isEqualTo(401);
        assertThat(wrongCurrent.errorCode()).isEqualTo("INVALID_CREDENTIALS");
        assertThat(a.api().get("/api/v1/me", u.token()).status()).as("nothing changed").isEqualTo(200);
    }
}
