package com.hushryd.realtime;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.NodeProcess;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.TcpProxy;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestPostgres;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Connection state recovery with the official socket.io-client against two node processes sharing PostgreSQL and a
 * real Redis: the client reaches a node through a TCP proxy the test cuts (a network blip), or re-points at the other
 * node before killing the first with {@code kill -9}. A recovered client has {@code socket.recovered}, its socket id
 * and rooms, and every chat message sent while it was away, once; an expired or someone else's session recovers
 * nothing. {@link RecoveryIT} runs it on one Redis, {@link RecoveryClusterIT} on a Redis Cluster (a sequence per room,
 * decision 0072).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class RecoveryContract {
    static final Duration WAIT = Duration.ofSeconds(20);
    static NodeProcess a;
    static NodeProcess b;
    static SocketIoAgent agent;

    /** Two nodes on a database of their own and the Redis of {@code redisUrl}, and the official client's agent. */
    static void startNodes(String redisUrl) {
        String database = TestPostgres.get().newDatabase();
        Map<String, String> shared = Map.of("DATABASE_URL", database, "REDIS_URL", redisUrl,
                "REALTIME_RECOVERY_WINDOW", "5s");
        a = NodeProcess.start("recovery-a", shared);
        b = NodeProcess.start("recovery-b", shared);
        agent = SocketIoAgent.start();
    }

    static void stopNodes() {
        if (agent != null) {
            agent.close();
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    record Ride(Account driver, Account passenger, String conversation) {
    }

    static Ride ride() {
        Account driver = b.register("driver");
        Account passenger = b.register("passenger");
        String trip = b.createTrip(driver, "Kolkata", "Durgapur", 1, 3, 250);
        String booking = b.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1))
                .str("id");
        return new Ride(driver, passenger, booking);
    }

    static String name(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A client through the proxy that waits {@code delayMs} before reconnecting (so messages can be missed). */
    static Client viaProxy(TcpProxy proxy, String token, long delayMs) {
        Client c = agent.connect(name("p"), "http://127.0.0.1:" + proxy.port(), Map.of("token", token),
                Map.of("reconnectionDelay", delayMs, "reconnectionDelayMax", delayMs, "randomizationFactor", 0,
                        "transports", List.of("websocket")));
        c.awaitNotice("connect", WAIT); // the first connection's notice; the test awaits the next one
        return c;
    }

    private static void send(Client from, String conversation, String text) {
        JsonNode ack = from.emitWithAck("chat:send", Map.of("conversationId", conversation, "text", text)).get(0);
        assertThat(ack.path("ok").asBoolean()).as(ack.toString()).isTrue();
    }

    private static JsonNode chat(Client c, String text) {
        return c.awaitEvent("chat:message", args -> text.equals(args.get(0).path("text").asText()), WAIT);
    }

    private static long copies(Client c, String text) {
        return c.eventsNamed("chat:message").stream()
                .filter(e -> text.equals(e.get("args").get(0).path("text").asText())).count();
    }

    @Test
    @Order(1)
    void networkBlip_sameNode_recoversIdRoomsAndTheMissedMessageOnce() throws Exception {
        Ride r = ride();
        Client driver = agent.connect(name("d"), b.api().base(), r.driver().token());
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", a.port())) {
            Client passenger = viaProxy(proxy, r.passenger().token(), 1500);
            assertThat(passenger.connectReply().path("recovered").asBoolean()).isFalse();
            send(driver, r.conversation(), "before");
            JsonNode before = chat(passenger, "before");
            assertThat(before.get(before.size() - 1).asText()).as("the offset, as the last argument").matches("\\d+");

            proxy.dropConnections();
            passenger.awaitNotice("disconnect", WAIT);
            send(driver, r.conversation(), "while-away");

            JsonNode again = passenger.awaitNotice("connect", WAIT);
            assertThat(again.path("recovered").asBoolean()).as(again.toString()).isTrue();
            assertThat(again.path("id").asText()).isEqualTo(passenger.socketId());
            chat(passenger, "while-away");
            send(driver, r.conversation(), "after");
            chat(passenger, "after");
            Thread.sleep(500);
            assertThat(copies(passenger, "while-away") + copies(passenger, "after") + copies(passenger, "before"))
                    .as("no duplicates").isZero();
        }
    }

    @Test
    @Order(2)
    void clientThatReceivedNothingYet_recoversEverythingSinceItConnected() throws Exception {
        Ride r = ride();
        Client driver = agent.connect(name("d"), b.api().base(), r.driver().token());
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", a.port())) {
            Client passenger = viaProxy(proxy, r.passenger().token(), 1500);
            proxy.dropConnections();
            passenger.awaitNotice("disconnect", WAIT);
            send(driver, r.conversation(), "first-ever");
            JsonNode again = passenger.awaitNotice("connect", WAIT);
            assertThat(again.path("recovered").asBoolean()).as(again.toString()).isTrue();
            chat(passenger, "first-ever");
        }
    }

    @Test
    @Order(3)
    void someoneElsesSessionId_recoversNothing_andLeaksNothing() throws Exception {
        Ride r = ride();
        Ride other = ride();
        Client driver = agent.connect(name("d"), b.api().base(), r.driver().token());
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", a.port())) {
            Client passenger = viaProxy(proxy, r.passenger().token(), 2500);
            String pid = passenger.connectReply().path("pid").asText();
            assertThat(pid).isNotBlank();
            proxy.dropConnections();
            passenger.awaitNotice("disconnect", WAIT);
            send(driver, r.conversation(), "private");

            // another user presents the passenger's session id and an offset from before it began
            Client thief = agent.connect(name("t"), b.api().base(), Map.of("token", other.passenger().token(),
                    "pid", pid, "offset", "0"), null);
            assertThat(thief.connectReply().path("recovered").asBoolean()).isFalse();
            assertThat(thief.socketId()).isNotEqualTo(passenger.socketId());
            assertThat(thief.connectReply().path("pid").asText()).isNotEqualTo(pid);

            // the owner still recovers its message
            JsonNode again = passenger.awaitNotice("connect", WAIT);
            assertThat(again.path("recovered").asBoolean()).as(again.toString()).isTrue();
            chat(passenger, "private");
            Thread.sleep(500);
            assertThat(thief.eventsNamed("chat:message")).as("nothing of another user's").isEmpty();

            // its own session id with an offset older than its session: a forged offset, no recovery
            Client forger = agent.connect(name("f"), b.api().base(), Map.of("token", r.passenger().token(),
                    "pid", pid, "offset", "1"), null);
            assertThat(forger.connectReply().path("recovered").asBoolean()).isFalse();
            assertThat(forger.eventsNamed("chat:message")).isEmpty();
        }
    }

    @Test
    @Order(4)
    void reconnectAfterTheWindow_isNotRecovered() throws Exception {
        Ride r = ride();
        Client driver = agent.connect(name("d"), b.api().base(), r.driver().token());
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", a.port())) {
            Client passenger = viaProxy(proxy, r.passenger().token(), 8000); // the window is 5 s
            send(driver, r.conversation(), "seen");
            chat(passenger, "seen");
            proxy.dropConnections();
            passenger.awaitNotice("disconnect", WAIT);
            send(driver, r.conversation(), "too-late");
            JsonNode again = passenger.awaitNotice("connect", WAIT);
            assertThat(again.path("recovered").asBoolean()).as(again.toString()).isFalse();
            assertThat(again.path("id").asText()).isNotEqualTo(passenger.socketId());
            Thread.sleep(500);
            assertThat(copies(passenger, "too-late")).as("not replayed: the client re-syncs over HTTP").isZero();
            // it is a normal new connection: new messages arrive
            send(driver, r.conversation(), "fresh");
            chat(passenger, "fresh");
        }
    }

    @Test
    @Order(5)
    void nodeKilled_clientRecoversOnTheOtherNode() throws Exception {
        Ride r = ride();
        Client driver = agent.connect(name("d"), b.api().base(), r.driver().token());
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", a.port())) {
            Client passenger = viaProxy(proxy, r.passenger().token(), 1500);
            send(driver, r.conversation(), "on-a");
            chat(passenger, "on-a");

            proxy.retarget("127.0.0.1", b.port());
            a.kill9();
            passenger.awaitNotice("disconnect", WAIT);
            send(driver, r.conversation(), "while-a-is-dead");

            JsonNode again = passenger.awaitNotice("connect", WAIT);
            assertThat(again.path("recovered").asBoolean()).as(again.toString()).isTrue();
            assertThat(again.path("id").asText()).isEqualTo(passenger.socketId());
            chat(passenger, "while-a-is-dead");
            send(driver, r.conversation(), "on-b");
            chat(passenger, "on-b");
            Thread.sleep(500);
            assertThat(copies(passenger, "while-a-is-dead") + copies(passenger, "on-b")).as("no duplicates")
                    .isZero();
        }
    }
}
