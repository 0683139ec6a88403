package com.hushryd.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.app.Setting;
import com.hushryd.testing.TestNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code hushryd sim} run in this JVM against a real node, a node that limits it, and a port nobody listens on. */
class SimIT {
    static TestNode node;

    @BeforeAll
    static void start() {
        // TestNode raises every rate limit: all the simulated users come from 127.0.0.1
        node = TestNode.start();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private record Run(int code, String out, String err, JsonNode report) {
        Map<String, JsonNode> operations() {
            Map<String, JsonNode> m = new HashMap<>();
            report.path("operations").forEach(o -> m.put(o.path("name").asText(), o));
            return m;
        }
    }

    private static Run sim(String url, String... args) throws Exception {
        Path json = Files.createTempFile("sim-report", ".json");
        List<String> full = new ArrayList<>(List.of("--url", url, "--report-json", json.toString()));
        full.addAll(List.of(args));
        CommandLine cmd = SimMain.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(full.toArray(String[]::new));
        JsonNode report = Files.size(json) == 0 ? null : SimHttp.MAPPER.readTree(json.toFile());
        return new Run(code, out.toString(), err.toString(), report);
    }

    private static String url(TestNode n) {
        return "http://127.0.0.1:" + n.node().port();
    }

    @Test
    void smallCity_everyOperationAnswered_withoutErrors_andLocationsReachPassengers() throws Exception {
        Path acks = Files.createTempFile("sim-acks", ".tsv");
        Run r = sim(url(node), "--drivers", "5", "--passengers", "10", "--duration", "12s", "--ramp", "1s",
                "--location-interval", "300ms", "--chat-interval", "500ms", "--sos-rate", "60", "--drain", "10s",
                "--ack-log", acks.toString());

        assertThat(r.report()).as(r.err()).isNotNull();
        Map<String, JsonNode> ops = r.operations();
        assertThat(ops.keySet()).as(r.out()).containsAll(Simulation.OPERATIONS);
        for (String name : Simulation.OPERATIONS) {
            JsonNode o = ops.get(name);
            assertThat(o.path("count").asLong()).as(name + "\n" + r.out()).isPositive();
            assertThat(o.path("errors").asLong()).as(name + "\n" + r.out()).isZero();
            assertThat(o.path("unfinished").asLong()).as(name + "\n" + r.out()).isZero();
            assertThat(o.path("p99Ms").asDouble()).as(name).isGreaterThanOrEqualTo(o.path("p50Ms").asDouble());
        }
        assertThat(ops.get(Simulation.REGISTER).path("count").asLong()).isEqualTo(15);
        assertThat(ops.get(Simulation.BOOK).path("count").asLong()).isEqualTo(10);
        assertThat(ops.get(Simulation.SUBSCRIBE).path("count").asLong()).isEqualTo(10);
        // two passengers per trip, subscribed before or soon after the trip starts; a missing receipt would be an
        // error ("not received") or unfinished, both asserted zero above
        long updates = ops.get(Simulation.LOCATION).path("count").asLong();
        assertThat(ops.get(Simulation.FANOUT).path("count").asLong()).isBetween(updates, 2 * updates);
        assertThat(ops.get(Simulation.DELIVERY).path("count").asLong())
                .isEqualTo(ops.get(Simulation.CHAT).path("count").asLong());
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.err()).contains("ready 15/15 users, 15 sockets");
        assertThat(r.out()).contains("location.fanout").contains(" 0 errors, 0 unfinished");
        // the acknowledgement log has one line per acknowledged create, with the id the node answered
        Map<String, Long> logged = new HashMap<>();
        for (String line : Files.readAllLines(acks)) {
            String[] f = line.split("\t");
            assertThat(f).as(line).hasSize(3);
            assertThat(f[1]).as(line).isNotBlank();
            logged.merge(f[0], 1L, Long::sum);
        }
        assertThat(logged).containsEntry("trip", 5L).containsEntry("booking", 10L)
                .containsEntry("sos", ops.get(Simulation.SOS).path("count").asLong())
                .containsEntry("chat", ops.get(Simulation.CHAT).path("count").asLong());
    }

    @Test
    void cityOf250_onTheDefaultSheddingThresholds_nothingIsShed() throws Exception {
        Map<String, String> defaults = Map.of(
                "SHED_EVENT_LOOP_LAG", Setting.SHED_EVENT_LOOP_LAG.defaultValue(),
                "SHED_POOL_WAITING", Setting.SHED_POOL_WAITING.defaultValue(),
                "SHED_MAX_IN_FLIGHT", Setting.SHED_MAX_IN_FLIGHT.defaultValue());
        try (TestNode fresh = TestNode.start(defaults)) {
            Run r = sim(url(fresh), "--drivers", "50", "--passengers", "200", "--duration", "20s", "--ramp", "10s",
                    "--drain", "10s");

            assertThat(r.report()).as(r.err()).isNotNull();
            assertThat(r.out()).as(r.out()).doesNotContain("http 503");
            assertThat(r.operations().get(Simulation.REGISTER).path("count").asLong()).as(r.out()).isEqualTo(250);
            assertThat(r.operations().get(Simulation.BOOK).path("count").asLong()).as(r.out()).isEqualTo(200);
        }
    }

    @Test
    void nobodyListening_everyCallIsAnErrorCounted_notACrash() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Run r = sim("http://127.0.0.1:" + port, "--drivers", "2", "--passengers", "3", "--duration", "2s",
                "--ramp", "500ms", "--timeout", "1s");

        assertThat(r.code()).as(r.err()).isEqualTo(1);
        JsonNode register = r.operations().get(Simulation.REGISTER);
        assertThat(register.path("errors").asLong()).as(r.out()).isEqualTo(5);
        assertThat(register.path("count").asLong()).isZero();
        assertThat(register.path("errorKinds").fieldNames().next()).startsWith("io ");
        assertThat(r.out()).contains("5 errors").contains("error register: io ");
        assertThat(r.err()).doesNotContain("\tat ");
    }

    @Test
    void nodeOnLowRateLimits_answers429_countedAsErrorsByStatusAndCode() throws Exception {
        try (TestNode limited = TestNode.start(Map.of("RATE_LIMIT_ANONYMOUS", "4/1m"))) {
            Run r = sim(url(limited), "--drivers", "2", "--passengers", "8", "--duration", "3s", "--ramp", "0s",
                    "--timeout", "5s");

            assertThat(r.code()).isEqualTo(1);
            Map<String, JsonNode> ops = r.operations();
            long limited429 = ops.get(Simulation.REGISTER).path("errorKinds").path("http 429 RATE_LIMITED").asLong()
                    + ops.getOrDefault(Simulation.LOGIN, SimHttp.MAPPER.createObjectNode()).path("errorKinds")
                            .path("http 429 RATE_LIMITED").asLong();
            assertThat(limited429).as(r.out()).isPositive();
            assertThat(r.out()).contains("http 429 RATE_LIMITED");
        }
    }
}
