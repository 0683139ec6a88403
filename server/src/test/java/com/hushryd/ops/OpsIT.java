package com.hushryd.ops;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.http.ApiRouter;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OpsIT {
    static final String ADMIN_PHONE = "+919999999999";
    static final String ADMIN_PASSWORD = "admin-password-1";
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("ADMIN_PHONE", ADMIN_PHONE, "ADMIN_PASSWORD", ADMIN_PASSWORD));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static String adminToken(TestNode n) {
        HttpResult r = n.api().post("/api/v1/auth/login", null, map("phone", ADMIN_PHONE, "password", ADMIN_PASSWORD));
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.json().path("user").path("role").asText()).isEqualTo("admin");
        return r.str("accessToken");
    }

    @Test
    void liveAndReady_answer200WhenStarted() {
        assertThat(node.api().get("/health/live", null).status()).isEqualTo(200);
        HttpResult ready = node.api().get("/health/ready", null);
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.str("status")).isEqualTo("READY");
    }

    @Test
    void health_reportsPoolStatistics() {
        HttpResult h = node.api().get("/health", null);
        assertThat(h.status()).isEqualTo(200);
        assertThat(h.str("status")).isEqualTo("UP");
        JsonNode db = h.json().path("checks").path("database");
        assertThat(db.path("status").asText()).isEqualTo("UP");
        JsonNode pool = db.path("pool");
        for (String f : new String[] {"active", "idle", "waiting", "max", "usagePercent", "level"}) {
            assertThat(pool.has(f)).as(f).isTrue();
        }
        assertThat(pool.path("max").asInt()).isEqualTo(20);
    }

    @Test
    void metrics_haveRouteTemplatesStatusesPoolAndJvm() {
        String user = node.register("passenger").token();
        node.api().get("/api/v1/trips/" + java.util.UUID.randomUUID(), user);
        HttpResult m = node.api().get("/metrics", null);
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.text())
                .contains("http_server_requests_seconds_bucket{")
                .contains("route=\"/api/v1/trips/{id}\"")
                .contains("status=\"404\"")
                .contains("hikaricp_connections_active")
                .contains("jvm_memory_used_bytes")
                .doesNotContainPattern("route=\"/api/v1/trips/[0-9a-f]{8}-");
    }

    @Test
    void openApi_describesEveryRegisteredEndpoint() throws Exception {
        HttpResult doc = node.api().get("/openapi.json", null);
        assertThat(doc.status()).isEqualTo(200);
        assertThat(doc.str("openapi")).startsWith("3.");
        Set<String> documented = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.json().path("paths").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            p.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey()));
        }
        Set<String> registered = new HashSet<>();
        for (ApiRouter.Endpoint e : node.node().endpoints()) {
            registered.add(e.method() + " " + e.path());
        }
        assertThat(documented).isEqualTo(registered);
    }

    @Test
    void realtimeDoc_listsExactlyTheClientEventsTheNodeRegisters() throws Exception {
        String doc = Files.readString(Path.of(System.getProperty("hushryd.repo.root", "..")).resolve("docs/realtime.md"));
        String table = doc.substring(doc.indexOf("## Client → server events"), doc.indexOf("## Server → client events"));
        Set<String> documented = new HashSet<>();
        Matcher row = Pattern.compile("(?m)^\\| `([a-z]+:[a-z]+)` \\|").matcher(table);
        while (row.find()) {
            documented.add(row.group(1));
        }
        assertThat(documented).isEqualTo(node.node().socketEvents());
    }

    @Test
    void adminAccountFromEnvironment_canReadTheCluster() {
        HttpResult cluster = node.api().get("/api/v1/admin/cluster", adminToken(node));
        assertThat(cluster.status()).isEqualTo(200);
        assertThat(cluster.json().path("aliveNodes").asInt()).isGreaterThanOrEqualTo(1);
        JsonNode self = null;
        for (JsonNode n : cluster.json().path("nodes")) {
            if (n.path("self").asBoolean()) {
                self = n;
            }
        }
        assertThat(self).isNotNull();
        assertThat(self.path("alive").asBoolean()).isTrue();
        assertThat(self.path("address").asText()).endsWith(":" + node.node().port());
    }

    @Test
    void adminFromADisallowedNetwork_isRefused() {
        try (TestNode restricted = TestNode.start(Map.of("ADMIN_PHONE", ADMIN_PHONE, "ADMIN_PASSWORD", ADMIN_PASSWORD,
                "ADMIN_ALLOWED_CIDRS", "10.0.0.0/8"))) {
            HttpResult r = restricted.api().get("/api/v1/admin/cluster", adminToken(restricted));
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.errorCode()).isEqualTo("ADMIN_NETWORK_FORBIDDEN");
        }
    }

    @Test
    void adminBehindATrustedProxy_theForwardedClientsNetworkDecides_andAForgedHeaderIsIgnoredOtherwise() {
        try (TestNode behind = TestNode.start(Map.of("ADMIN_PHONE", ADMIN_PHONE, "ADMIN_PASSWORD", ADMIN_PASSWORD,
                "ADMIN_ALLOWED_CIDRS", "10.0.0.0/8", "TRUSTED_PROXIES", "127.0.0.1/32"))) {
            String token = adminToken(behind);
            HttpResult office = behind.api().send(behind.api().request("/api/v1/admin/cluster", token)
                    .header("X-Forwarded-For", "10.1.2.3").GET().build());
            assertThat(office.status()).as(office.text()).isEqualTo(200);
            HttpResult outsider = behind.api().send(behind.api().request("/api/v1/admin/cluster", token)
                    .header("X-Forwarded-For", "203.0.113.7").GET().build());
            assertThat(outsider.errorCode()).isEqualTo("ADMIN_NETWORK_FORBIDDEN");
            // the proxy itself (loopback) is not an allowed network: a request it did not forward is refused
            assertThat(behind.api().get("/api/v1/admin/cluster", token).errorCode())
                    .isEqualTo("ADMIN_NETWORK_FORBIDDEN");
            HttpResult page = behind.api().send(behind.api().request("/console", null)
                    .header("X-Forwarded-For", "203.0.113.7").GET().build());
            assertThat(page.status()).isEqualTo(403);
        }
        // without TRUSTED_PROXIES a client's own X-Forwarded-For changes nothing: the peer decides
        try (TestNode plain = TestNode.start(Map.of("ADMIN_PHONE", ADMIN_PHONE, "ADMIN_PASSWORD", ADMIN_PASSWORD,
                "ADMIN_ALLOWED_CIDRS", "10.0.0.0/8"))) {
            HttpResult forged = plain.api().send(plain.api().request("/api/v1/admin/cluster", adminToken(plain))
                    .header("X-Forwarded-For", "10.1.2.3").GET().build());
            assertThat(forged.errorCode()).isEqualTo("ADMIN_NETWORK_FORBIDDEN");
        }
    }

    @Test
    void readiness_isFalseOnceShutdownBegins() {
        TestNode n = TestNode.start();
        String base = n.api().base();
        n.close();
        assertThat(n.node().lifecycleState()).isEqualTo(Lifecycle.State.STOPPING);
        assertThatConnectionRefused(base);
    }

    private static void assertThatConnectionRefused(String base) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new com.hushryd.testing.ApiClient(base)
                .get("/health/live", null)).hasMessageContaining("failed");
    }
}
