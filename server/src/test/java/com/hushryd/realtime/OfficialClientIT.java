package com.hushryd.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.app.FixtureServer;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The official socket.io-client 4.8 against the gateway: transports, upgrade, binary, acks, reconnection. */
class OfficialClientIT {
    static FixtureServer server;
    static SocketIoAgent agent;
    static String url;

    @BeforeAll
    static void start() throws Exception {
        server = FixtureServer.conformance("127.0.0.1", 0);
        url = "http://127.0.0.1:" + server.port();
        agent = SocketIoAgent.start();
    }

    @AfterAll
    static void stop() throws Exception {
        agent.close();
        server.close();
    }

    private static Map<String, Object> binary(byte... bytes) {
        return Map.of("$binary", Base64.getEncoder().encodeToString(bytes));
    }

    @ParameterizedTest(name = "transports {0}")
    @ValueSource(strings = {"polling", "websocket", "polling,websocket"})
    void client_onEachTransport_connectsEchoesAndAcksWithBinary(String transports) {
        String name = "c-" + transports;
        Client c = agent.connect(name, url, Map.of("token", "abc"),
                Map.of("transports", List.of(transports.split(","))));
        assertThat(c.connected()).as(c.connectReply().toString()).isTrue();
        assertThat(c.awaitEvent("auth").get(0).path("token").asText()).isEqualTo("abc");

        c.emit("message", "text", 42, Map.of("nested", List.of(true)), binary((byte) 1, (byte) 2, (byte) 3));
        JsonNode back = c.awaitEvent("message-back");
        assertThat(back.get(0).asText()).isEqualTo("text");
        assertThat(back.get(1).asInt()).isEqualTo(42);
        assertThat(back.get(2).path("nested").get(0).asBoolean()).isTrue();
        assertThat(back.get(3).path("$binary").asText()).isEqualTo(Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}));

        JsonNode ack = c.emitWithAck("message-with-ack", binary((byte) 9, (byte) 8));
        assertThat(ack.get(0).path("$binary").asText()).isEqualTo(Base64.getEncoder().encodeToString(new byte[] {9, 8}));
        c.disconnect();
    }

    @Test
    void defaultClient_upgradesFromPollingToWebSocket() {
        Client c = agent.connect("upgrader", url, Map.of(), null);
        // the client opens on polling; the upgrade may finish before or after `connect` fires (the notice is kept)
        assertThat(c.connectReply().path("transport").asText()).isIn("polling", "websocket");
        JsonNode upgrade = c.awaitNotice("upgrade", Duration.ofSeconds(10));
        assertThat(upgrade.path("transport").asText()).isEqualTo("websocket");
        c.emit("message", "after upgrade");
        assertThat(c.awaitEvent("message-back").get(0).asText()).isEqualTo("after upgrade");
        assertThat(c.state().path("transport").asText()).isEqualTo("websocket");
        c.disconnect();
    }

    @Test
    void droppedTransport_clientReconnectsByItself() {
        Client c = agent.connect("reconnector", url, Map.of(), Map.of("transports", List.of("websocket")));
        String firstId = c.socketId();
        c.awaitEvent("auth");
        c.dropTransport();
        JsonNode again = c.awaitNotice("connect", Duration.ofSeconds(15));
        JsonNode reconnected = c.awaitNotice("connect", Duration.ofSeconds(15));
        assertThat(reconnected.path("id").asText()).isNotEqualTo(firstId);
        assertThat(again).isNotNull();
        c.emit("message", "back again");
        assertThat(c.awaitEvent("message-back").get(0).asText()).isEqualTo("back again");
        c.disconnect();
    }

    @Test
    void customNamespace_isReachableWithTheSameClient() {
        Client c = agent.connect("custom", url + "/custom", Map.of("token", "x"), null);
        assertThat(c.connected()).isTrue();
        assertThat(c.awaitEvent("auth").get(0).path("token").asText()).isEqualTo("x");
        c.disconnect();
        Client missing = agent.connect("missing", url + "/nope", Map.of(), Map.of("reconnection", false));
        assertThat(missing.connected()).isFalse();
        assertThat(missing.connectReply().path("error").path("message").asText()).isEqualTo("Invalid namespace");
    }
}
