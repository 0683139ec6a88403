package com.hushryd.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestPromtool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The alert rules and the Grafana dashboard of {@code deploy/} are product: promtool accepts the rules and passes
 * their unit tests, and every metric they name is one a running node really exports (decision 0068).
 */
class PrometheusAssetsIT {
    static final Path ROOT = Path.of(System.getProperty("hushryd.repo.root", "..")).toAbsolutePath().normalize();
    static final Path PROMETHEUS = ROOT.resolve("deploy/prometheus");
    /** Metric names of the node: the families it exports, whatever PromQL around them. */
    static final Pattern METRIC = Pattern.compile("\\b((?:hushryd|hikaricp|http_server|jvm|process|system)_[a-z0-9_]+)");
    static Set<String> exported;

    @BeforeAll
    static void scrape() {
        try (TestNode node = TestNode.start()) {
            String user = node.register("passenger").token();
            node.api().get("/api/v1/me", user);
            // the queue gauges appear with the queue monitor's first refresh
            await().atMost(Duration.ofSeconds(30)).until(() -> node.api().get("/metrics", null).text()
                    .contains("hushryd_queue_jobs{"));
            exported = new TreeSet<>();
            for (String line : node.api().get("/metrics", null).text().split("\n")) {
                if (!line.startsWith("#") && !line.isBlank()) {
                    exported.add(line.split("[{ ]", 2)[0]);
                }
            }
        }
    }

    @Test
    void alertRules_passPromtoolCheckAndTheirUnitTests() {
        TestPromtool.Run check = TestPromtool.run(PROMETHEUS, "check", "rules", "alerts.yml");
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS");
        TestPromtool.Run test = TestPromtool.run(PROMETHEUS, "test", "rules", "alerts_test.yml");
        assertThat(test.exitCode()).as(test.output()).isZero();
    }

    @Test
    void alertRules_nameOnlyMetricsTheNodeExports() throws Exception {
        Set<String> used = metricsIn(Files.readString(PROMETHEUS.resolve("alerts.yml")));
        assertThat(used).contains("hushryd_sos_unacknowledged", "hushryd_ready", "hushryd_breaker_state",
                "hikaricp_connections_pending", "hushryd_queue_jobs", "hushryd_load_level");
        assertThat(exported).containsAll(used);
    }

    @Test
    void grafanaDashboard_isJsonAndNamesOnlyMetricsTheNodeExports() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(ROOT.resolve("deploy/grafana/hushryd.json").toFile());
        StringBuilder exprs = new StringBuilder();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                exprs.append(target.path("expr").asText()).append('\n');
            }
        }
        Set<String> used = metricsIn(exprs.toString());
        assertThat(used).hasSizeGreaterThan(8);
        assertThat(exported).containsAll(used);
    }

    static Set<String> metricsIn(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
