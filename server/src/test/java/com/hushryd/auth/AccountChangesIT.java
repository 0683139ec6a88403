package com.hushryd.auth;

import static com.hushryd.testing.ApiClient.map;
import static com.hushryd.testing.ErrorShape.assertClearError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.testing.HttpResult;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.TcpProxy;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Account changes made outside the API (directly in SQL) reach the session check, and the sockets, within
 * SESSION_CACHE_TTL (about twice it for sockets); the admin
 * account endpoints answer 503 in the error shape while the database is unreachable.
 */
class AccountChangesIT {
    static final String ADMIN_PHONE = "+919999999983";
    static final String ADMIN_PASSWORD = "admin-password-83";

    static SocketIoAgent agent;

    @BeforeAll
    static void startAgent() {
        agent = SocketIoAgent.start();
    }

    @AfterAll
    static void stopAgent() {
        agent.close();
    }

    private static String login(TestNode n, String phone, String password) {
        HttpResult r = n.api().post("/api/v1/auth/login", null, map("phone", phone, "password", password));
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.str("accessToken");
    }

    private static void sql(TestNode n, String statement, Object... params) throws Exception {
        try (Connection c = DriverManager.getConnection(n.settings().get("DATABASE_URL"));
                PreparedStatement ps = c.prepareStatement(statement)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            assertThat(ps.executeUpdate()).as(statement).isEqualTo(1);
        }
    }

    @Test
    void roleChangeAndDeletionInSql_areEnforcedWithinTheSessionCacheTtl_as401NotAs500() throws Exception {
        try (TestNode node = TestNode.start(Map.of("ADMIN_PHONE", ADMIN_PHONE, "ADMIN_PASSWORD", ADMIN_PASSWORD,
                "SESSION_CACHE_TTL", "1s"))) {
            String root = login(node, ADMIN_PHONE, ADMIN_PASSWORD);
            Account driver = node.register("driver");
            String trip = node.createTrip(driver, "Goa", "Hubli", 2, 3, 200);
            Account gone = node.register("passenger");
            Account marked = node.register("passenger");
            assertThat(node.api().get("/api/v1/admin/sos", root).status()).isEqualTo(200);
            assertThat(node.api().get("/api/v1/me", gone.token()).status()).isEqualTo(200);
            Client dashboard = agent.connect("sql-demoted-" + UUID.randomUUID(), node.api().base(), root);
            Client deletedSocket = agent.connect("sql-deleted-" + UUID.randomUUID(), node.api().base(), marked.token());
            assertThat(dashboard.connected()).isTrue();
            assertThat(deletedSocket.connected()).isTrue();
            assertThat(node.api().get("/api/v1/me", marked.token()).status()).isEqualTo(200);

            sql(node, "UPDATE users SET role = 'passenger' WHERE phone = ?", ADMIN_PHONE);
            sql(node, "DELETE FROM users WHERE id = ?", UUID.fromString(gone.id()));
            sql(node, "UPDATE users SET deleted_at = now() WHERE id = ?", UUID.fromString(marked.id()));

            await().atMost(Duration.ofSeconds(15)).until(() ->
                    node.api().get("/api/v1/admin/sos", root).status() == 401);
            assertClearError(node.api().get("/api/v1/admin/outbox", root), 401, "TOKEN_REVOKED", null);
            for (Account deleted : new Account[] {gone, marked}) {
                await().atMost(Duration.ofSeconds(15)).until(() ->
                        node.api().get("/api/v1/me", deleted.token()).status() == 401);
                assertClearError(node.api().post("/api/v1/sos", deleted.token(), map("lat", 1, "lng", 2)), 401,
                        "ACCOUNT_DELETED", null);
                assertClearError(node.api().post("/api/v1/trips/" + trip + "/bookings", deleted.token(),
                        map("seats", 1)), 401, "ACCOUNT_DELETED", null);
                assertClearError(node.api().get("/api/v1/bookings", deleted.token()), 401, "ACCOUNT_DELETED", null);
            }
            assertThat(node.api().get("/api/v1/me", driver.token()).status()).as("others are untouched")
                    .isEqualTo(200);
            // no invalidation announced these changes: the periodic re-check of sockets finds them
            assertThat(dashboard.awaitEvent("session:revoked", x -> true, Duration.ofSeconds(15)).get(0)
                    .path("code").asText()).isEqualTo("TOKEN_REVOKED");
            assertThat(deletedSocket.awaitEvent("session:revoked", x -> true, Duration.ofSeconds(15)).get(0)
                    .path("code").asText()).isEqualTo("ACCOUNT_DELETED");
        }
    }

    @Test
    void databaseUnreachable_adminAccountEndpointsAnswer503InTheErrorShape_badInputStill400() throws Exception {
        String database = TestPostgres.get().newDatabase();
        try (TcpProxy proxy = TcpProxy.forJdbcUrl(database);
                TestNode node = TestNode.start(Map.of("DATABASE_URL", proxy.rewrite(database), "DB_POOL_TIMEOUT",
                        "500ms", "DB_POOL_MIN", "0", "ADMIN_PHONE", ADMIN_PHONE, "ADMIN_PASSWORD", ADMIN_PASSWORD))) {
            String root = login(node, ADMIN_PHONE, ADMIN_PASSWORD);
            Account u = node.register("passenger");
            String path = "/api/v1/admin/users/" + u.id();
            assertThat(node.api().patch(path, root, map("role", "passenger")).status()).isEqualTo(200);

            proxy.cut();
            HttpResult patch = node.api().patch(path, root, map("role", "driver"));
            assertClearError(patch, 503, patch.errorCode(), null);
            assertThat(patch.errorCode()).isIn("DATABASE_UNAVAILABLE", "DEPENDENCY_UNAVAILABLE", "DB_POOL_EXHAUSTED");
            assertThat(patch.header("Retry-After")).isNotNull();
            HttpResult delete = node.api().delete(path, root);
            assertClearError(delete, 503, delete.errorCode(), null);
            assertThat(delete.header("Retry-After")).isNotNull();
            assertClearError(node.api().patch(path, root, map("role", "boss")), 400, "VALIDATION_FAILED", "role");
        }
    }
}
