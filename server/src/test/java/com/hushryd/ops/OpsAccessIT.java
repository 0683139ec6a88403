package com.hushryd.ops;

import static com.hushryd.testing.ApiClient.map;
import static com.hushryd.testing.ErrorShape.assertClearError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Who may read /metrics and the detailed /health (decision 0067), and what a scrape holds. */
class OpsAccessIT {

    @Test
    void metricsAndHealth_fromOutsideOpsNetworks_are403_probesStayOpenAndSayNothingElse() {
        try (TestNode n = TestNode.start(Map.of("OPS_ALLOWED_CIDRS", "10.0.0.0/8"))) {
            assertClearError(n.api().get("/metrics", null), 403, "OPS_NETWORK_FORBIDDEN", null);
            HttpResult health = n.api().get("/health", null);
            assertClearError(health, 403, "OPS_NETWORK_FORBIDDEN", null);
            assertThat(health.text()).doesNotContain("version").doesNotContain("pool").doesNotContain("queue");
            HttpResult live = n.api().get("/health/live", null);
            assertThat(live.status()).isEqualTo(200);
            assertThat(live.json().size()).isEqualTo(1);
            HttpResult ready = n.api().get("/health/ready", null);
            assertThat(ready.status()).isEqualTo(200);
            assertThat(ready.json().size()).as(ready.text()).isEqualTo(1);
            assertThat(ready.str("status")).isEqualTo("READY");
        }
    }

    @Test
    void behindATrustedProxy_theForwardedClientDecides() {
        try (TestNode n = TestNode.start(Map.of("TRUSTED_PROXIES", "127.0.0.1/32"))) {
            HttpResult outsider = n.api().send(n.api().request("/metrics", null)
                    .header("X-Forwarded-For", "203.0.113.7").GET().build());
            assertClearError(outsider, 403, "OPS_NETWORK_FORBIDDEN", null);
            HttpResult insider = n.api().send(n.api().request("/health", null)
                    .header("X-Forwarded-For", "10.1.2.3").GET().build());
            assertThat(insider.status()).as(insider.text()).isEqualTo(200);
            assertThat(insider.json().has("checks")).isTrue();
        }
        // without TRUSTED_PROXIES a client's own X-Forwarded-For is ignored: the peer (loopback) decides
        try (TestNode n = TestNode.start(Map.of("OPS_ALLOWED_CIDRS", "10.0.0.0/8"))) {
            HttpResult forged = n.api().send(n.api().request("/metrics", null)
                    .header("X-Forwarded-For", "10.1.2.3").GET().build());
            assertClearError(forged, 403, "OPS_NETWORK_FORBIDDEN", null);
        }
    }

    @Test
    void badOpsAllowedCidrs_failsStartNamingTheVariable() {
        Map<String, String> env = new HashMap<>(TestNode.settings(Map.of()));
        env.put("OPS_ALLOWED_CIDRS", "10.0.0.0/33");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> com.hushryd.app.ConfigLoader.load(env))
                .hasMessageStartingWith("OPS_ALLOWED_CIDRS");
    }

    @Test
    void scrape_hasSloBucketsOnly_andNoIdLabels() {
        try (TestNode n = TestNode.start()) {
            String user = n.register("passenger").token();
            for (int i = 0; i < 20; i++) {
                n.api().get("/api/v1/trips/" + java.util.UUID.randomUUID(), user);
                n.api().get("/api/v1/me", user);
            }
            String text = n.api().get("/metrics", null).text();
            Map<String, Integer> bucketsPerSeries = new HashMap<>();
            Matcher m = Pattern.compile("(?m)^(\\w+)_bucket\\{(.*),le=\"[^\"]+\",?(.*)} ").matcher(text);
            while (m.find()) {
                bucketsPerSeries.merge(m.group(1) + "{" + m.group(2) + m.group(3) + "}", 1, Integer::sum);
            }
            assertThat(bucketsPerSeries).isNotEmpty();
            assertThat(bucketsPerSeries.values()).allSatisfy(b -> assertThat(b).isLessThanOrEqualTo(12));
            // label values never carry an id (request ids, user ids, trip ids are UUIDs or hex)
            assertThat(text).doesNotContainPattern("=\"[^\"]*[0-9a-f]{8}-[0-9a-f]{4}-[^\"]*\"")
                    .doesNotContain("user=").doesNotContain("requestId");
            assertThat(text.length()).as("scrape size").isLessThan(100_000);
        }
    }

    @Test
    void sosUnacknowledgedPastTheDeadline_isCounted() {
        try (TestNode n = TestNode.start(Map.of("SOS_ACK_DEADLINE", "1s"))) {
            assertThat(gauge(n, "hushryd_sos_unacknowledged")).isEqualTo(0.0);
            assertThat(gauge(n, "hushryd_ready")).isEqualTo(1.0);
            String rider = n.register("passenger").token();
            HttpResult sos = n.api().post("/api/v1/sos", rider, map("lat", 12.97, "lng", 77.59));
            assertThat(sos.status()).as(sos.text()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(30)).until(() -> gauge(n, "hushryd_sos_unacknowledged") >= 1.0);
        }
    }

    static double gauge(TestNode n, String name) {
        for (String line : n.api().get("/metrics", null).text().split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError(name + " missing from /metrics");
    }
}
