package com.hushryd.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hushryd.app.FixtureServer;
import com.hushryd.testing.NodeTools;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The Engine.IO v4 / Socket.IO v5 protocol checks of {@code conformance.mjs} (raw WebSocket and HTTP, as the official
 * protocol test-suite exercises a server) against {@code serve --conformance}; one test per check.
 */
class ConformanceIT {

    @TestFactory
    Stream<DynamicTest> protocolConformance() throws Exception {
        List<JsonNode> results = new ArrayList<>();
        String output;
        try (FixtureServer server = FixtureServer.conformance("127.0.0.1", 0)) {
            Process p = new ProcessBuilder("node", NodeTools.script("conformance.mjs").toString(),
                    "http://127.0.0.1:" + server.port()).directory(NodeTools.DIR.toFile()).redirectErrorStream(true)
                    .start();
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        }
        ObjectMapper mapper = new ObjectMapper();
        for (String line : output.split("\n")) {
            if (line.startsWith("{")) {
                results.add(mapper.readTree(line));
            }
        }
        assertThat(results).as("conformance.mjs output:\n" + output).hasSizeGreaterThan(30);
        return results.stream().map(r -> DynamicTest.dynamicTest(r.path("name").asText(),
                () -> assertThat(r.path("ok").asBoolean()).as(r.path("error").asText()).isTrue()));
    }
}
