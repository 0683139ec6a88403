package com.hushryd.realtime;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.TcpProxy;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Connection state recovery on a node without Redis (sessions and history in memory), with a history of 6 per room (presence changes count too):
 * a client that missed more than the history holds does not recover ({@code recovered === false}) and re-syncs.
 */
class SingleNodeRecoveryIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    static TestNode node;
    static SocketIoAgent agent;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("REALTIME_RECOVERY_HISTORY", "6"));
        agent = SocketIoAgent.start();
    }

    @AfterAll
    static void stop() {
        agent.close();
        node.close();
    }

    private record Ride(Account driver, Account passenger, String conversation) {
    }

    private static Ride ride() {
        Account driver = node.register("driver");
        Account passenger = node.register("passenger");
        String trip = node.createTrip(driver, "Pune", "Mumbai", 1, 3, 300);
        String booking = node.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1))
                .str("id");
        return new Ride(driver, passenger, booking);
    }

    private static Client passengerViaProxy(TcpProxy proxy, String token) {
        Client c = agent.connect("p-" + UUID.randomUUID(), "http://127.0.0.1:" + proxy.port(), Map.of("token", token),
                Map.of("reconnectionDelay", 1500, "reconnectionDelayMax", 1500, "randomizationFactor", 0,
                        "transports", List.of("websocket")));
        c.awaitNotice("connect", WAIT);
        return c;
    }

    private static void send(Client from, String conversation, String text) {
        JsonNode ack = from.emitWithAck("chat:send", Map.of("conversationId", conversation, "text", text)).get(0);
        assertThat(ack.path("ok").asBoolean()).as(ack.toString()).isTrue();
    }

    private static int port() {
        return URI.create(node.api().base()).getPort();
    }

    @Test
    void blip_recoversInMemory_inOrder() throws Exception {
        Ride r = ride();
        Client driver = agent.connect("d-" + UUID.randomUUID(), node.api().base(), r.driver().token());
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", port())) {
            Client passenger = passengerViaProxy(proxy, r.passenger().token());
            proxy.dropConnections();
            passenger.awaitNotice("disconnect", WAIT);
            send(driver, r.conversation(), "one");
            send(driver, r.conversation(), "two");
            JsonNode again = passenger.awaitNotice("connect", WAIT);
            assertThat(again.path("recovered").asBoolean()).as(again.toString()).isTrue();
            assertThat(passenger.awaitEvent("chat:message").get(0).path("text").asText()).isEqualTo("one");
            assertThat(passenger.awaitEvent("chat:message").get(0).path("text").asText()).isEqualTo("two");
        }
    }

    @Test
    void missedMoreThanTheHistoryHolds_isNotRecovered() throws Exception {
        Ride r = ride();
        Client driver = agent.connect("d-" + UUID.randomUUID(), node.api().base(), r.driver().token());
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", port())) {
            Client passenger = passengerViaProxy(proxy, r.passenger().token());
            send(driver, r.conversation(), "seen");
            passenger.awaitEvent("chat:message");
            proxy.dropConnections();
            passenger.awaitNotice("disconnect", WAIT);
            for (int i = 0; i < 8; i++) {
                send(driver, r.conversation(), "missed-" + i);
            }
            JsonNode again = passenger.awaitNotice("connect", WAIT);
            assertThat(again.path("recovered").asBoolean()).as("8 missed, 6 kept: " + again).isFalse();
            Thread.sleep(500);
            assertThat(passenger.eventsNamed("chat:message")).as("nothing replayed in part").isEmpty();
            send(driver, r.conversation(), "live");
            assertThat(passenger.awaitEvent("chat:message").get(0).path("text").asText()).isEqualTo("live");
        }
    }
}
