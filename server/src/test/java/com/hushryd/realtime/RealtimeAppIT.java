package com.hushryd.realtime;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.hushryd.auth.Role;
import com.hushryd.auth.TokenService;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The application on the main namespace, driven by the official socket.io-client: auth, rooms, chat, presence. */
class RealtimeAppIT {
    static final String ADMIN_PHONE = "+919811100000";
    static TestNode node;
    static SocketIoAgent agent;
    static String url;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("ADMIN_PHONE", ADMIN_PHONE, "ADMIN_PASSWORD", "admin-password-1",
                "REALTIME_PING_INTERVAL", "1s", "REALTIME_PING_TIMEOUT", "1s"));
        url = node.api().base();
        agent = SocketIoAgent.start();
    }

    @AfterAll
    static void stop() {
        agent.close();
        node.close();
    }

    /** A driver, a passenger and the passenger's booking on the driver's trip (its id is the conversation id). */
    record Ride(Account driver, Account passenger, String trip, String conversation) {
    }

    static Ride ride() {
        Account driver = node.register("driver");
        Account passenger = node.register("passenger");
        String trip = node.createTrip(driver, "Mangaluru", "Udupi", 1, 3, 150);
        String booking = node.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1))
                .str("id");
        return new Ride(driver, passenger, trip, booking);
    }

    private static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void connect_withoutToken_isRefusedWithConnectError() {
        Client c = agent.connect(uniqueName("anon"), url, Map.of(), Map.of("reconnection", false));
        assertThat(c.connected()).isFalse();
        assertThat(c.connectReply().path("error").path("message").asText()).contains("authentication required");
        assertThat(c.connectReply().path("error").path("data").path("code").asText()).isEqualTo("UNAUTHORIZED");
    }

    @Test
    void connect_withForgedOrExpiredToken_isRefused() {
        Account a = node.register("passenger");
        String forged = new TokenService("some-other-secret-0123456789-0123456789", null, Duration.ofHours(1),
                Clock.systemUTC()).issue(UUID.fromString(a.id()), Role.ADMIN).token();
        Client c = agent.connect(uniqueName("forged"), url, Map.of("token", forged), Map.of("reconnection", false));
        assertThat(c.connectReply().path("error").path("data").path("code").asText()).isEqualTo("INVALID_TOKEN");
        String expired = new TokenService(TestNode.JWT_SECRET, null, Duration.ofMinutes(1),
                Clock.offset(Clock.systemUTC(), Duration.ofHours(-1))).issue(UUID.fromString(a.id()), Role.PASSENGER)
                .token();
        Client e = agent.connect(uniqueName("expired"), url, Map.of("token", expired), Map.of("reconnection", false));
        assertThat(e.connectReply().path("error").path("data").path("code").asText()).isEqualTo("TOKEN_EXPIRED");
    }

    @Test
    void connect_withARevokedToken_isRefused_whileAFreshTokenConnects() {
        Account a = node.register("passenger");
        Client before = agent.connect(uniqueName("before"), url, a.token());
        assertThat(before.connected()).isTrue();
        before.disconnect();
        assertThat(node.api().post("/api/v1/auth/logout", a.token(), map()).status()).isEqualTo(204);
        Client c = agent.connect(uniqueName("revoked"), url, Map.of("token", a.token()), Map.of("reconnection", false));
        assertThat(c.connected()).isFalse();
        assertThat(c.connectReply().path("error").path("data").path("code").asText()).isEqualTo("TOKEN_REVOKED");
        assertThat(c.connectReply().path("error").path("message").asText()).contains("revoked");
        String fresh = node.api().post("/api/v1/auth/login", null, map("phone", a.phone(), "password", "password-123"))
                .str("accessToken");
        assertThat(agent.connect(uniqueName("fresh"), url, fresh).connected()).isTrue();
    }

    @Test
    void eventsBeyondTheSocketsLimit_areAnsweredRateLimited_notRun_andOtherSocketsAreUnaffected() {
        try (TestNode limited = TestNode.start(Map.of("RATE_LIMIT_SOCKET_EVENTS", "3/1m"))) {
            String base = limited.api().base();
            Account a = limited.register("passenger");
            Account b = limited.register("passenger");
            Client ca = agent.connect(uniqueName("flood"), base, a.token());
            Client cb = agent.connect(uniqueName("calm"), base, b.token());
            for (int i = 0; i < 3; i++) {
                assertThat(ca.emitWithAck("no:such:event").get(0).path("error").path("code").asText())
                        .as("within the limit the handler runs").isEqualTo("UNKNOWN_EVENT");
            }
            JsonNode refused = ca.emitWithAck("no:such:event").get(0);
            assertThat(refused.path("ok").asBoolean()).isFalse();
            assertThat(refused.path("error").path("code").asText()).isEqualTo("RATE_LIMITED");
            assertThat(refused.path("error").path("message").asText()).contains("no:such:event");
            assertThat(refused.path("error").path("details").path("retryAfterMs").asLong()).isPositive();
            ca.emit("typing", Map.of("conversationId", UUID.randomUUID().toString()));
            JsonNode told = ca.awaitEvent("rate:limited").get(0);
            assertThat(told.path("code").asText()).isEqualTo("RATE_LIMITED");
            assertThat(told.path("details").path("event").asText()).isEqualTo("typing");
            assertThat(cb.emitWithAck("no:such:event").get(0).path("error").path("code").asText())
                    .as("another user's socket has its own budget").isEqualTo("UNKNOWN_EVENT");
        }
    }

    @Test
    void chat_sentByPassenger_isPersistedAckedAndDeliveredToDriverOnly() {
        Ride r = ride();
        Client driver = agent.connect(uniqueName("driver"), url, r.driver().token());
        Client passenger = agent.connect(uniqueName("passenger"), url, r.passenger().token());
        Client passengerPhone = agent.connect(uniqueName("passenger2"), url, r.passenger().token());
        Client stranger = agent.connect(uniqueName("stranger"), url, node.register("passenger").token());

        ArrayNode ack = passenger.emitWithAck("chat:send", Map.of("conversationId", r.conversation(),
                "text", "I am at the gate", "clientMessageId", "m-1"));
        JsonNode reply = ack.get(0);
        assertThat(reply.path("ok").asBoolean()).as(reply.toString()).isTrue();
        String messageId = reply.path("data").path("id").asText();

        JsonNode delivered = driver.awaitEvent("chat:message").get(0);
        assertThat(delivered.path("id").asText()).isEqualTo(messageId);
        assertThat(delivered.path("text").asText()).isEqualTo("I am at the gate");
        assertThat(passengerPhone.awaitEvent("chat:message").get(0).path("id").asText())
                .as("the sender's other device gets it too").isEqualTo(messageId);
        // an ack'd round trip after the broadcast: anything addressed to these sockets has arrived by now
        passenger.emitWithAck("no:such:event", Map.of());
        stranger.emitWithAck("no:such:event", Map.of());
        assertThat(passenger.eventsNamed("chat:message")).as("not echoed to the sending socket").isEmpty();
        assertThat(stranger.eventsNamed("chat:message")).isEmpty();

        HttpResult history = node.api().get("/api/v1/conversations/" + r.conversation() + "/messages",
                r.driver().token());
        assertThat(history.json().path("items").get(0).path("id").asText()).isEqualTo(messageId);

        JsonNode retry = passenger.emitWithAck("chat:send", Map.of("conversationId", r.conversation(),
                "text", "I am at the gate", "clientMessageId", "m-1")).get(0);
        assertThat(retry.path("data").path("id").asText()).as("a retried send stores one message").isEqualTo(messageId);
        assertThat(node.api().get("/api/v1/conversations/" + r.conversation() + "/messages", r.driver().token())
                .json().path("items")).hasSize(1);
    }

    @Test
    void chat_badInput_isAnsweredThroughTheAckWithTheFieldNamed() {
        Ride r = ride();
        Client passenger = agent.connect(uniqueName("p"), url, r.passenger().token());
        JsonNode noText = passenger.emitWithAck("chat:send", Map.of("conversationId", r.conversation())).get(0);
        assertThat(noText.path("ok").asBoolean()).isFalse();
        assertThat(noText.path("error").path("code").asText()).isEqualTo("VALIDATION_FAILED");
        assertThat(noText.path("error").path("details").path("field").asText()).isEqualTo("text");
        JsonNode wrongType = passenger.emitWithAck("chat:send", Map.of("conversationId", r.conversation(),
                "text", 5)).get(0);
        assertThat(wrongType.path("error").path("details").path("field").asText()).isEqualTo("text");
        JsonNode badId = passenger.emitWithAck("chat:send", Map.of("conversationId", "42", "text", "hi")).get(0);
        assertThat(badId.path("error").path("details").path("field").asText()).isEqualTo("conversationId");
        JsonNode notMine = passenger.emitWithAck("chat:send", Map.of("conversationId", ride().conversation(),
                "text", "hi")).get(0);
        assertThat(notMine.path("error").path("code").asText()).isEqualTo("NOT_FOUND");
        JsonNode twoArgs = passenger.emitWithAck("chat:send", "a", "b").get(0);
        assertThat(twoArgs.path("error").path("code").asText()).isEqualTo("BAD_ARGUMENTS");
        JsonNode unknown = passenger.emitWithAck("no:such:event", Map.of()).get(0);
        assertThat(unknown.path("error").path("code").asText()).isEqualTo("UNKNOWN_EVENT");
        JsonNode tooLong = passenger.emitWithAck("chat:send", Map.of("conversationId", r.conversation(),
                "text", "x".repeat(2001))).get(0);
        assertThat(tooLong.path("error").path("details").path("field").asText()).isEqualTo("text");
    }

    @Test
    void chat_afterTheTripCompletes_isClosed() {
        Ride r = ride();
        node.api().post("/api/v1/trips/" + r.trip() + "/start", r.driver().token(), "");
        node.api().post("/api/v1/trips/" + r.trip() + "/complete", r.driver().token(), "");
        Client passenger = agent.connect(uniqueName("p"), url, r.passenger().token());
        JsonNode closed = passenger.emitWithAck("chat:send", Map.of("conversationId", r.conversation(),
                "text", "thanks")).get(0);
        assertThat(closed.path("error").path("code").asText()).isEqualTo("CONVERSATION_CLOSED");
    }

    @Test
    void typing_reachesTheOtherParticipant() {
        Ride r = ride();
        Client driver = agent.connect(uniqueName("d"), url, r.driver().token());
        Client passenger = agent.connect(uniqueName("p"), url, r.passenger().token());
        assertThat(passenger.emitWithAck("chat:typing", Map.of("conversationId", r.conversation())).get(0)
                .path("ok").asBoolean()).isTrue();
        JsonNode typing = driver.awaitEvent("chat:typing").get(0);
        assertThat(typing.path("userId").asText()).isEqualTo(r.passenger().id());
    }

    @Test
    void bookingMadeWhileConnected_putsBothIntoTheNewConversationRoom() {
        Account driver = node.register("driver");
        Account passenger = node.register("passenger");
        String trip = node.createTrip(driver, "Hubballi", "Dharwad", 1, 2, 60);
        Client d = agent.connect(uniqueName("d"), url, driver.token());
        Client p = agent.connect(uniqueName("p"), url, passenger.token());
        String conversation = node.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(),
                map("seats", 1)).str("id");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            JsonNode ack = p.emitWithAck("chat:send", Map.of("conversationId", conversation, "text", "hello")).get(0);
            assertThat(ack.path("ok").asBoolean()).isTrue();
            assertThat(d.awaitEvent("chat:message", a -> true, Duration.ofSeconds(1)).get(0).path("text").asText())
                    .isEqualTo("hello");
        });
    }

    @Test
    void presence_comesOnlineAndGoesOffline_forTheOtherParticipant() {
        Ride r = ride();
        Client passenger = agent.connect(uniqueName("p"), url, r.passenger().token());
        Client driver = agent.connect(uniqueName("d"), url, r.driver().token());
        JsonNode online = passenger.awaitEvent("presence:update",
                a -> a.get(0).path("userId").asText().equals(r.driver().id()), Duration.ofSeconds(10)).get(0);
        assertThat(online.path("online").asBoolean()).isTrue();
        HttpResult list = node.api().get("/api/v1/conversations", r.passenger().token());
        JsonNode participant = list.json().path("items").get(0).path("participants").get(1);
        assertThat(participant.path("online").asBoolean()).isTrue();

        driver.disconnect();
        JsonNode offline = passenger.awaitEvent("presence:update",
                a -> a.get(0).path("userId").asText().equals(r.driver().id()), Duration.ofSeconds(10)).get(0);
        assertThat(offline.path("online").asBoolean()).isFalse();
        assertThat(offline.path("lastSeen").asText()).isNotBlank();
    }

    @Test
    void sosAlertsRoom_reachesAdminsOnly() {
        String adminToken = node.api().post("/api/v1/auth/login", null, map("phone", ADMIN_PHONE,
                "password", "admin-password-1")).str("accessToken");
        Client admin = agent.connect(uniqueName("admin"), url, adminToken);
        Client passenger = agent.connect(uniqueName("p"), url, node.register("passenger").token());
        node.node().gateway().broadcastToRoom(com.hushryd.rooms.Room.SOS_ALERTS.name(), "sos:alert", Map.of("alertId", "a-1"));
        assertThat(admin.awaitEvent("sos:alert").get(0).path("alertId").asText()).isEqualTo("a-1");
        passenger.emitWithAck("no:such:event", Map.of());
        assertThat(passenger.eventsNamed("sos:alert")).isEmpty();
    }

    @Test
    void sosAlertsRoom_onlyForAdminsFromAdminNetworks_asTheTrustedProxyForwards() {
        try (TestNode behind = TestNode.start(Map.of("ADMIN_PHONE", ADMIN_PHONE, "ADMIN_PASSWORD",
                "admin-password-1", "ADMIN_ALLOWED_CIDRS", "10.0.0.0/8", "TRUSTED_PROXIES", "127.0.0.1/32"))) {
            String base = behind.api().base();
            String adminToken = behind.api().post("/api/v1/auth/login", null, map("phone", ADMIN_PHONE,
                    "password", "admin-password-1")).str("accessToken");
            Client office = agent.connect(uniqueName("office"), base, Map.of("token", adminToken),
                    Map.of("extraHeaders", Map.of("X-Forwarded-For", "10.1.2.3"), "transports", List.of("polling")));
            Client outside = agent.connect(uniqueName("outside"), base, Map.of("token", adminToken),
                    Map.of("extraHeaders", Map.of("X-Forwarded-For", "203.0.113.7"), "transports",
                            List.of("polling")));
            behind.node().gateway().broadcastToRoom(com.hushryd.rooms.Room.SOS_ALERTS.name(), "sos:alert",
                    Map.of("alertId", "a-2"));
            assertThat(office.awaitEvent("sos:alert").get(0).path("alertId").asText()).isEqualTo("a-2");
            outside.emitWithAck("no:such:event", Map.of()); // a round trip after the broadcast
            assertThat(outside.eventsNamed("sos:alert")).as("an admin token from outside the admin networks")
                    .isEmpty();
        }
    }

    @Test
    void serverEmitWithAck_getsTheClientsAnswer() throws Exception {
        Account a = node.register("passenger");
        Client c = agent.connect(uniqueName("acker"), url, a.token());
        c.autoAck("confirm", Map.of("confirmed", true));
        ArrayNode answer = node.node().gateway().request(c.socketId(), "confirm", Duration.ofSeconds(5),
                Map.of("question", "still riding?")).get(10, TimeUnit.SECONDS);
        assertThat(answer.get(0).path("confirmed").asBoolean()).isTrue();
        ArrayNode silent = node.node().gateway().request(c.socketId(), "nobody-answers", Duration.ofMillis(300))
                .get(10, TimeUnit.SECONDS);
        assertThat(silent).as("no answer in time").isNull();
    }

    @Test
    void broadcastToUser_reachesEverySocketOfTheUser() {
        Account a = node.register("passenger");
        Client phone = agent.connect(uniqueName("phone"), url, a.token());
        Client web = agent.connect(uniqueName("web"), url, Map.of("token", a.token()),
                Map.of("transports", List.of("polling")));
        node.node().gateway().broadcastToUser(UUID.fromString(a.id()), "notification", Map.of("title", "hi"));
        assertThat(phone.awaitEvent("notification").get(0).path("title").asText()).isEqualTo("hi");
        assertThat(web.awaitEvent("notification").get(0).path("title").asText()).isEqualTo("hi");
    }

    @Test
    void expiringToken_disconnectsTheSocketWhenItExpires() {
        Account a = node.register("passenger");
        String shortLived = new TokenService(TestNode.JWT_SECRET, null, Duration.ofSeconds(2), Clock.systemUTC())
                .issue(UUID.fromString(a.id()), Role.PASSENGER).token();
        Client c = agent.connect(uniqueName("short"), url, Map.of("token", shortLived), Map.of("reconnection", false));
        assertThat(c.connected()).isTrue();
        assertThat(c.awaitEvent("session:expired", x -> true, Duration.ofSeconds(40))).isNotNull();
        JsonNode gone = c.awaitNotice("disconnect", Duration.ofSeconds(10));
        assertThat(gone.path("reason").asText()).isEqualTo("io server disconnect");
    }

    @Test
    void conversations_listsTheCallersWithTheOtherParticipant() {
        Ride r = ride();
        HttpResult list = node.api().get("/api/v1/conversations", r.passenger().token());
        assertThat(list.status()).isEqualTo(200);
        JsonNode c = list.json().path("items").get(0);
        assertThat(c.path("id").asText()).isEqualTo(r.conversation());
        assertThat(c.path("open").asBoolean()).isTrue();
        assertThat(c.path("participants")).hasSize(2);
        assertThat(node.api().get("/api/v1/conversations/" + r.conversation() + "/messages",
                node.register("passenger").token()).status()).as("non-participants see nothing").isEqualTo(404);
        assertThat(node.api().get("/api/v1/conversations/not-a-uuid/messages", r.passenger().token()).errorField())
                .isEqualTo("id");
        assertThat(node.api().get("/api/v1/conversations?cursor=zzz", r.passenger().token()).errorCode())
                .isEqualTo("INVALID_CURSOR");
    }
}
