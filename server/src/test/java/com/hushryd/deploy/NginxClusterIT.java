package com.hushryd.deploy;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.ApiClient;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.NodeProcess;
import com.hushryd.testing.RawHttp;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.TestNginx;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestPostgres;
import com.hushryd.testing.TestRedis;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two node processes on one PostgreSQL and one Redis behind a real nginx configured with deploy/nginx/hushryd.conf
 * (rendered by deploy/local-cluster.sh): the official client through it, sticky long-polling, the client address,
 * and a rolling restart's SIGTERM under a stream of POSTs. The last test stops node 2.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NginxClusterIT {
    private static final Pattern SID = Pattern.compile("\"sid\":\"([^\"]+)\"");
    private static final Pattern REMAINING = Pattern.compile(";r=(\\d+)");
    static TestRedis.Dedicated redis;
    static NodeProcess n1;
    static NodeProcess n2;
    static TestNginx nginx;
    static SocketIoAgent agent;

    @BeforeAll
    static void start() {
        redis = TestRedis.dedicated();
        String database = TestPostgres.get().newDatabase();
        n1 = node("n1", database);
        n2 = node("n2", database);
        nginx = TestNginx.start(List.of(n1.port(), n2.port()));
        agent = SocketIoAgent.start();
    }

    static NodeProcess node(String route, String database) {
        return NodeProcess.start("nginx-" + route, Map.of("DATABASE_URL", database, "REDIS_URL", redis.url(),
                "NODE_ROUTE", route, "TRUSTED_PROXIES", "127.0.0.1/32",
                // the client-address test counts down a quota that barely refills while it runs
                "RATE_LIMIT_ANONYMOUS", "1000/1h",
                "SHUTDOWN_READY_GRACE", "5s"));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {agent, nginx, n1, n2, redis}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the others still get closed
            }
        }
    }

    private static String name(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    @Order(1)
    void officialClient_throughNginx_connectsWithPollingOnly_withWebSocketOnly_andUpgrades() {
        Account user = TestNode.register(nginx.api(), "passenger");
        Client polling = agent.connect(name("poll"), nginx.url(), Map.of("token", user.token()),
                Map.of("transports", List.of("polling")));
        assertThat(polling.connectReply().path("transport").asText()).isEqualTo("polling");
        Client ws = agent.connect(name("ws"), nginx.url(), Map.of("token", user.token()),
                Map.of("transports", List.of("websocket")));
        assertThat(ws.connectReply().path("transport").asText()).isEqualTo("websocket");
        Client upgrading = agent.connect(name("up"), nginx.url(), Map.of("token", user.token()), Map.of());
        // polling first, then the upgrade: its WebSocket request carries the sid, so it must reach the same node
        // (a probe sent to another node is refused and the client stays on polling). Generous: once, in the full
        // suite on the busy machine, the upgrade took longer than 30 s
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() ->
                assertThat(upgrading.state().path("transport").asText()).as(() -> "the client's notices: "
                        + upgrading.notices() + "\nnode n1:\n" + n1.logTail() + "\nnode n2:\n" + n2.logTail())
                        .isEqualTo("websocket"));
        for (Client c : List.of(polling, ws, upgrading)) {
            JsonNode ack = c.emitWithAck("no:such:event", Map.of()).get(0);
            assertThat(ack.path("error").path("code").asText()).as(ack.toString()).isEqualTo("UNKNOWN_EVENT");
        }
    }

    @Test
    @Order(2)
    void chatSentThroughNode1_reachesPassengersOnNode2_andThroughNginxWithPolling() {
        Account driver = TestNode.register(n1.api(), "driver");
        Account passenger = TestNode.register(n1.api(), "passenger");
        String trip = TestNode.createTrip(n1.api(), driver, "Kolkata", "Durgapur", 1, 3, 250);
        String conversation = n1.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(),
                map("seats", 1)).str("id");
        Client onNode2 = agent.connect(name("p2"), n2.api().base(), passenger.token());
        Client viaNginx = agent.connect(name("pn"), nginx.url(), Map.of("token", passenger.token()),
                Map.of("transports", List.of("polling")));
        Client driverOnNode1 = agent.connect(name("d1"), n1.api().base(), driver.token());

        // the passenger's sockets are subscribed before connect fires; the message may go out at once
        JsonNode ack = driverOnNode1.emitWithAck("chat:send", Map.of("conversationId", conversation,
                "text", "across nodes")).get(0);
        assertThat(ack.path("ok").asBoolean()).as(ack.toString()).isTrue();
        assertThat(onNode2.awaitEvent("chat:message").get(0).path("text").asText()).isEqualTo("across nodes");
        assertThat(viaNginx.awaitEvent("chat:message").get(0).path("text").asText()).isEqualTo("across nodes");
    }

    @Test
    @Order(3)
    void pollingSession_throughNginx_staysOnItsNodeForEveryRequest() throws Exception {
        Account user = TestNode.register(nginx.api(), "passenger");
        HttpClient http = HttpClient.newHttpClient();
        String base = nginx.url() + "/socket.io/?EIO=4&transport=polling";
        String open = send(http, HttpRequest.newBuilder(URI.create(base)).GET());
        Matcher m = SID.matcher(open);
        assertThat(m.find()).as(open).isTrue();
        String sid = m.group(1);
        assertThat(sid).as("the sid names its node's route").matches("n[12]\\.[A-Za-z0-9_-]+");
        String session = base + "&sid=" + sid;

        assertThat(send(http, post(session, "40{\"token\":\"" + user.token() + "\"}"))).isEqualTo("ok");
        assertThat(send(http, HttpRequest.newBuilder(URI.create(session)).GET())).startsWith("40{");
        // 40 requests round robin would put half of them on the other node, which answers 400 Unknown sid
        for (int ack = 1; ack <= 20; ack++) {
            assertThat(send(http, post(session, "42" + ack + "[\"no:such:event\",{}]"))).isEqualTo("ok");
            String answer = send(http, HttpRequest.newBuilder(URI.create(session)).GET());
            assertThat(answer).as("request %d", ack).contains("43" + ack + "[").contains("UNKNOWN_EVENT");
        }
    }

    private static HttpRequest.Builder post(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "text/plain;charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private static String send(HttpClient http, HttpRequest.Builder request) throws Exception {
        HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    @Test
    @Order(4)
    void clientAddress_throughNginx_isTheOneNginxSaw_notTheForwardedForTheClientSent() {
        // each client address has a quota bucket of its own: the remaining count shows whose bucket a request used
        int fromTwo1 = remainingAfterLogin("127.0.0.2", "10.9.9.1");
        int fromTwo2 = remainingAfterLogin("127.0.0.2", "10.9.9.2");
        int fromTwo3 = remainingAfterLogin("127.0.0.2", null);
        int fromThree = remainingAfterLogin("127.0.0.3", "127.0.0.2");
        assertThat(fromTwo1).as("a fresh bucket for 127.0.0.2").isEqualTo(999);
        assertThat(fromTwo3).as("the same bucket whatever X-Forwarded-For said").isLessThan(fromTwo2)
                .isLessThan(fromTwo1);
        assertThat(fromThree).as("127.0.0.3 has a bucket of its own, not the one it claimed").isEqualTo(999);
    }

    private static int remainingAfterLogin(String from, String forwardedFor) {
        String body = "{\"phone\":\"" + TestNode.uniquePhone() + "\",\"password\":\"not-the-password\"}";
        try (RawHttp http = RawHttp.open(from, nginx.port())) {
            http.send("POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n"
                    + (forwardedFor == null ? "" : "X-Forwarded-For: " + forwardedFor + "\r\n") + "\r\n" + body);
            HttpResult r = http.read(Duration.ofSeconds(15));
            assertThat(r.status()).as(r.toString()).isEqualTo(401);
            Matcher m = REMAINING.matcher(String.valueOf(r.header("RateLimit")));
            assertThat(m.find()).as(r.toString()).isTrue();
            return Integer.parseInt(m.group(1));
        }
    }

    /**
     * A rolling restart's step as deploy/local-cluster.sh stop-node takes it: SIGTERM, then the drain probe, through
     * which nginx sees the node's /health/ready turn 503 and leaves it before it stops accepting.
     */
    @Test
    @Order(5)
    void sigterm_andDrainProbe_duringAStreamOfPostsThroughNginx_failsNoRequest_andExitsZero() throws Exception {
        Account driver = TestNode.register(nginx.api(), "driver");
        Client onNode2 = agent.connect(name("s2"), n2.api().base(), Map.of("token", driver.token()),
                Map.of("transports", List.of("websocket")));
        assertThat(onNode2.connected()).isTrue();
        ApiClient api = nginx.api();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger created = new AtomicInteger();
        Map<String, Integer> failures = new ConcurrentHashMap<>();
        ExecutorService posters = Executors.newFixedThreadPool(4);
        List<java.util.concurrent.Future<?>> loops = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            loops.add(posters.submit(() -> {
                while (running.get()) {
                    HttpResult r = api.post("/api/v1/trips", driver.token(), map(
                            "source", map("city", "Pune", "lat", 18.52, "lng", 73.85),
                            "destination", map("city", "Mumbai", "lat", 19.07, "lng", 72.87),
                            "departureTime", java.time.OffsetDateTime.now().plusDays(2).toString(),
                            "seats", 3, "pricePerSeat", 400));
                    if (r.status() == 201) {
                        created.incrementAndGet();
                    } else {
                        failures.merge(r.status() + " " + r.errorCode(), 1, Integer::sum);
                    }
                }
            }));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> created.get() >= 20);

        n2.terminate();
        // during the grace the node reports not ready and closes every connection after its response
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            HttpResult ready = RawHttp.exchange(n2.port(), "GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1", null);
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.header("Connection")).isEqualToIgnoringCase("close");
        });
        nginx.drainProbe();
        int status = n2.exitStatus();
        int atExit = created.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> created.get() >= atExit + 20);
        running.set(false);
        for (java.util.concurrent.Future<?> loop : loops) {
            loop.get(60, TimeUnit.SECONDS);
        }
        posters.shutdown();

        System.out.printf("rolling restart through nginx: %d POSTs created, %d failed %s, node exit status %d%n",
                created.get(), failures.values().stream().mapToInt(Integer::intValue).sum(), failures, status);
        assertThat(status).as("exit status after SIGTERM; log:\n%s", n2.logTail()).isZero();
        assertThat(failures).as("failed POSTs of %d created; nginx: %s", created.get(), nginx.log()).isEmpty();
        assertThat(n2.logTail()).contains("stopped");
        // closed as a transport, which the client reconnects from (not "io server disconnect", which it does not)
        assertThat(onNode2.awaitNotice("disconnect", Duration.ofSeconds(10)).path("reason").asText())
                .isEqualTo("transport close");
        assertThat(nginx.log()).as("nginx left the draining node").contains("upstream server temporarily disabled");
    }
}
