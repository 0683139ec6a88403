package com.hushryd.console;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hushryd.http.SessionCookies;
import com.hushryd.testing.ApiClient;
import com.hushryd.testing.ErrorShape;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.NodeTools;
import com.hushryd.testing.TcpProxy;
import com.hushryd.testing.TestChromium;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator console on a real node: an operator's shift in headless Chromium ({@code console.mjs}: log in, an SOS
 * raised over the API appears live and is acknowledged, noted and resolved, a driver's marker moves, a failed job is
 * retried, the cluster page, logout, a non-admin refused), then over HTTP: the cookie session and its CSRF check, the
 * strict CSP, requests from outside ADMIN_ALLOWED_CIDRS, bad input and a database outage.
 */
class ConsoleIT {
    static final String ADMIN_PHONE = "+919999999977";
    static final String ADMIN_PASSWORD = "console-admin-pass";
    static final ObjectMapper MAPPER = new ObjectMapper();
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("ADMIN_PHONE", ADMIN_PHONE, "ADMIN_PASSWORD", ADMIN_PASSWORD,
                "SAFETY_MONITOR", "false", "SOS_ACK_DEADLINE", "4s"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /** Logs in as the console does; answers the session and CSRF cookie values. */
    static String[] consoleLogin(ApiClient api, String phone, String password) {
        HttpResult r = api.post("/api/v1/console/login", null, map("phone", phone, "password", password));
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        List<String> set = r.headers().allValues("Set-Cookie");
        String session = null;
        String csrf = null;
        for (String c : set) {
            String pair = c.substring(0, c.indexOf(';'));
            if (pair.startsWith(SessionCookies.SESSION + "=")) {
                session = pair.substring(pair.indexOf('=') + 1);
                assertThat(c).contains("HttpOnly").contains("SameSite=Strict").contains("Path=/");
            } else if (pair.startsWith(SessionCookies.CSRF + "=")) {
                csrf = pair.substring(pair.indexOf('=') + 1);
                assertThat(c).doesNotContain("HttpOnly").contains("SameSite=Strict");
            }
        }
        assertThat(session).as("session cookie in " + set).isNotBlank();
        assertThat(csrf).isEqualTo(r.str("csrfToken"));
        assertThat(r.text()).as("the token is never given to scripts").doesNotContain(session);
        return new String[] {session, csrf};
    }

    static HttpResult withCookies(ApiClient api, String method, String path, String[] cookies, String csrfHeader,
            String body) {
        HttpRequest.Builder b = api.request(path, null).header("Cookie", SessionCookies.SESSION + "=" + cookies[0]
                + "; " + SessionCookies.CSRF + "=" + cookies[1]).header("Content-Type", "application/json");
        if (csrfHeader != null) {
            b.header(SessionCookies.CSRF_HEADER, csrfHeader);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return api.send(b.build());
    }

    @Test
    void operatorShift_inChromium_sosAckNoteResolve_markerMoves_jobRetried_nonAdminRefused() throws Exception {
        Account driver = node.register("driver");
        Account passenger = node.register("passenger");
        Account idleDriver = node.register("driver");
        String trip = node.createTrip(driver, "Bengaluru", "Mysuru", 1, 3, 300);
        assertThat(node.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1))
                .status()).isEqualTo(201);
        assertThat(node.api().post("/api/v1/trips/" + trip + "/start", driver.token(), "").status()).isEqualTo(200);
        String admin = node.api().post("/api/v1/auth/login", null, map("phone", ADMIN_PHONE, "password",
                ADMIN_PASSWORD)).str("accessToken");
        HttpResult job = node.api().post("/api/v1/admin/queues/jobs/jobs", admin, map("type", "probe", "attempts", 1,
                "payload", map("failAttempts", 1)));
        assertThat(job.status()).as(job.text()).isEqualTo(201);
        String jobId = job.str("jobId");
        await().atMost(Duration.ofSeconds(30)).until(() -> node.api().get("/api/v1/admin/queues/jobs/failed?limit=100",
                admin).text().contains(jobId));

        Path screenshots = NodeTools.DIR.resolve("../../../target/console-screenshots").normalize();
        Path fixture = Files.createTempFile("console-fixture", ".json");
        Files.writeString(fixture, MAPPER.writeValueAsString(Map.of("base", node.api().base(),
                "admin", Map.of("phone", ADMIN_PHONE, "password", ADMIN_PASSWORD),
                "passenger", Map.of("phone", passenger.phone(), "password", "password-123", "token", passenger.token()),
                "driver", Map.of("token", driver.token()), "tripId", trip,
                "idleDriver", Map.of("id", idleDriver.id(), "token", idleDriver.token()),
                "failedJob", Map.of("queue", "jobs", "id", jobId), "screenshots", screenshots.toString())));
        Map<String, JsonNode> steps = runBrowser("console.mjs", fixture);

        JsonNode open = steps.get("open");
        assertThat(open.path("httpStatus").asInt()).isEqualTo(200);
        assertThat(open.path("csp").asText()).contains("default-src 'none'").contains("script-src 'self'")
                .contains("connect-src 'self'").contains("frame-ancestors 'none'").doesNotContain("unsafe");
        JsonNode login = steps.get("login");
        assertThat(login.path("who").asText()).isEqualTo("Administrator");
        assertThat(login.path("scriptSees").asText()).as("scripts cannot read the token")
                .doesNotContain(SessionCookies.SESSION);
        assertThat(login.path("sessionCookie").path("httpOnly").asBoolean()).isTrue();
        assertThat(login.path("sessionCookie").path("sameSite").asText()).isEqualTo("Strict");
        String alertId = steps.get("sos-appears").path("alertId").asText();
        assertThat(steps.get("sos-appears").path("item").asText()).contains("passenger").contains("escalates in");
        assertThat(steps.get("sos-overdue").path("item").asText()).containsAnyOf("overdue", "ESCALATED");
        assertThat(steps.get("sos-detail").path("fields").asText()).contains(passenger.phone()).contains(trip)
                .contains("driver ").contains("12.97160");
        assertThat(steps.get("note").path("timeline").toString()).contains("acknowledged").contains("note");
        assertThat(steps.get("csrf").path("status").asInt()).isEqualTo(403);
        assertThat(steps.get("csrf").path("code").asText()).isEqualTo("CSRF_TOKEN_INVALID");
        assertThat(steps.get("map").path("first").asText()).contains("12.91111");
        assertThat(steps.get("map").path("moved").asText()).contains("12.93333");
        assertThat(steps.get("map").path("route").asText()).contains("2 points");
        assertThat(steps.get("map").path("driver").asText()).contains("12.95000");
        assertThat(steps.get("queues").path("jobError").asText()).isNotBlank();
        assertThat(steps.get("queues").path("queueError").asText()).isEmpty();
        assertThat(steps.get("queues").path("status").asText()).isEqualTo("Job " + jobId + " of jobs is waiting again.");
        assertThat(steps.get("cluster").path("nodes").get(0).toString()).contains("yes").contains(" ms");
        assertThat(steps.get("logout").path("sessionAfterLogout").asInt()).isEqualTo(401);
        assertThat(steps.get("non-admin").path("loginError").asText()).contains("admins");
        assertThat(steps.get("non-admin").path("navHidden").asBoolean()).isTrue();
        JsonNode done = steps.get("done");
        List<String> errors = new java.util.ArrayList<>();
        done.path("consoleErrors").forEach(e -> errors.add(e.asText()));
        // the expected refusals (the session check before login and after logout, the CSRF probe, the non-admin)
        // are logged by Chromium as failed loads; nothing else may be
        assertThat(errors).as("the CSP blocked nothing of ours; no script error").allMatch(e -> e.matches(
                "Failed to load resource: the server responded with a status of 40[13] .*"));
        done.path("requests").forEach(u -> assertThat(u.asText()).as("no CDN: every request stays on the node")
                .startsWith(node.api().base()));
        for (String page : List.of("login", "sos", "map", "queues", "cluster")) {
            assertThat(screenshots.resolve(page + ".png")).isNotEmptyFile();
        }

        // what the browser did is on record, by whom
        JsonNode timeline = node.api().get("/api/v1/sos/" + alertId + "/timeline", admin).json();
        List<String> kinds = timeline.path("events").findValuesAsText("kind");
        assertThat(kinds).contains("raised", "escalated", "acknowledged", "note", "resolved");
        assertThat(timeline.path("verified").asBoolean()).isTrue();
        String adminId = node.api().get("/api/v1/me", admin).json().path("id").asText();
        for (JsonNode e : timeline.path("events")) {
            if (List.of("acknowledged", "note").contains(e.path("kind").asText())) {
                assertThat(e.path("actor").asText()).as(e.toString()).contains(adminId);
            }
        }
        assertThat(node.api().get("/api/v1/sos/" + alertId, admin).json().path("status").asText())
                .isEqualTo("resolved");
        // retried from the page, it ran again (and, told to fail its first attempt, failed again): two attempts
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            for (JsonNode j : node.api().get("/api/v1/admin/queues/jobs/failed?limit=100", admin).json().path("items")) {
                if (j.path("id").asText().equals(jobId)) {
                    return j.path("history").size() == 2;
                }
            }
            return false;
        });
    }

    private static Map<String, JsonNode> runBrowser(String script, Path fixture) throws Exception {
        Process p = TestChromium.script(script, fixture.toString()).start();
        Map<String, JsonNode> steps = new HashMap<>();
        StringBuilder stderr = new StringBuilder();
        Thread err = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                r.lines().forEach(l -> {
                    synchronized (stderr) {
                        stderr.append(l).append('\n');
                    }
                });
            } catch (java.io.IOException e) {
                // the script ended
            }
        });
        err.setDaemon(true);
        err.start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("{")) {
                    JsonNode j = MAPPER.readTree(line);
                    System.out.println(script + ": " + line.substring(0, Math.min(line.length(), 400)));
                    if (j.has("error")) {
                        throw new AssertionError("browser step '" + j.path("step").asText() + "' failed: "
                                + j.path("error").asText() + "\nconsole errors: " + j.path("consoleErrors"));
                    }
                    steps.put(j.path("step").asText(), j);
                }
            }
        } finally {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
        synchronized (stderr) {
            assertThat(steps).as("browser stderr:\n" + stderr).containsKey("done");
        }
        return steps;
    }

    @Test
    void cookieSession_worksForTheConsolesCalls_stateChangesNeedTheCsrfHeader_bearerApiUnchanged() {
        String[] c = consoleLogin(node.api(), ADMIN_PHONE, ADMIN_PASSWORD);
        HttpResult session = withCookies(node.api(), "GET", "/api/v1/console/session", c, null, null);
        assertThat(session.status()).as(session.text()).isEqualTo(200);
        assertThat(session.json().path("user").path("role").asText()).isEqualTo("admin");
        assertThat(session.json().path("ackDeadlineSeconds").asLong()).isEqualTo(4);
        assertThat(withCookies(node.api(), "GET", "/api/v1/admin/live", c, null, null).status()).isEqualTo(200);

        String enqueue = "{\"type\":\"noop\"}";
        String path = "/api/v1/admin/queues/" + com.hushryd.uploads.DocumentService.QUEUE + "/jobs";
        ErrorShape.assertClearError(withCookies(node.api(), "POST", path, c, null, enqueue), 403,
                "CSRF_TOKEN_INVALID", null);
        ErrorShape.assertClearError(withCookies(node.api(), "POST", path, c, "wrong-" + c[1], enqueue), 403,
                "CSRF_TOKEN_INVALID", null);
        assertThat(withCookies(node.api(), "POST", path, c, c[1], enqueue).status()).isIn(201, 202);

        // the Bearer API ignores cookies and needs no CSRF header
        String admin = node.api().post("/api/v1/auth/login", null, map("phone", ADMIN_PHONE, "password",
                ADMIN_PASSWORD)).str("accessToken");
        assertThat(node.api().post(path, admin, enqueue).status()).isIn(201, 202);

        HttpResult out = withCookies(node.api(), "POST", "/api/v1/console/logout", c, c[1], null);
        assertThat(out.status()).as(out.text()).isEqualTo(204);
        assertThat(out.headers().allValues("Set-Cookie")).anyMatch(v -> v.startsWith(SessionCookies.SESSION + "=;")
                && v.contains("Max-Age=0"));
        ErrorShape.assertClearError(withCookies(node.api(), "GET", "/api/v1/console/session", c, null, null), 401,
                "TOKEN_REVOKED", null);
    }

    @Test
    void pages_haveAStrictCsp_andServeTheBuiltBundle() {
        HttpResult page = node.api().get("/console", null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.header("Content-Security-Policy")).isEqualTo("default-src 'none'; script-src 'self'; "
                + "style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; "
                + "frame-ancestors 'none'");
        assertThat(page.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(page.text()).contains("/console/assets/app.js").doesNotContain("<script>").doesNotContain("http");
        HttpResult script = node.api().get("/console/assets/app.js", null);
        assertThat(script.status()).isEqualTo(200);
        assertThat(script.text()).as("socket.io-client is bundled").contains("socket.io");
        assertThat(node.api().get("/console/assets/app.css", null).status()).isEqualTo(200);
        assertThat(node.api().get("/console/assets/nope.js", null).status()).isEqualTo(404);
    }

    @Test
    void tileServer_isAllowedForImagesOnly() {
        assertThat(ConsoleRoutes.csp(java.util.Optional.of("https://tiles.example.org:8443/{z}/{x}/{y}.png")))
                .contains("img-src 'self' https://tiles.example.org:8443;").contains("connect-src 'self';");
    }

    @Test
    void withATileUrl_theMapDrawsTilesFromThatServer_andTheCspLetsThemIn() throws Exception {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(256, 256,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "png", png);
        List<String> served = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer tileServer = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        tileServer.createContext("/", ex -> {
            served.add(ex.getRequestURI().getPath());
            ex.getResponseHeaders().add("Content-Type", "image/png");
            ex.sendResponseHeaders(200, png.size());
            ex.getResponseBody().write(png.toByteArray());
            ex.close();
        });
        tileServer.start();
        String tileOrigin = "http://127.0.0.1:" + tileServer.getAddress().getPort();
        try (TestNode tiled = TestNode.start(Map.of("ADMIN_PHONE", ADMIN_PHONE, "ADMIN_PASSWORD", ADMIN_PASSWORD,
                "SAFETY_MONITOR", "false", "WORKER_QUEUES", "none", "CONSOLE_TILE_URL",
                tileOrigin + "/tiles/{z}/{x}/{y}.png"))) {
            Path fixture = Files.createTempFile("console-tiles", ".json");
            Files.writeString(fixture, MAPPER.writeValueAsString(Map.of("base", tiled.api().base(),
                    "admin", Map.of("phone", ADMIN_PHONE, "password", ADMIN_PASSWORD), "tileOrigin", tileOrigin)));
            JsonNode done = runBrowser("console-tiles.mjs", fixture).get("done");
            assertThat(done.path("csp").asText()).contains("img-src 'self' " + tileOrigin + ";")
                    .contains("connect-src 'self';");
            String tile = java.util.regex.Pattern.quote(tileOrigin) + "/tiles/\\d+/\\d+/\\d+\\.png";
            assertThat(done.path("tiles").findValuesAsText("url")).as("tiles the page loaded").hasSizeGreaterThan(3)
                    .allMatch(u -> u.matches(tile));
            assertThat(served).isNotEmpty();
            assertThat(done.path("consoleErrors").toString()).doesNotContain("Content Security Policy");
        } finally {
            tileServer.stop(0);
        }
    }

    @Test
    void badInput_isAClear4xx() {
        ErrorShape.assertClearError(node.api().post("/api/v1/console/login", null, map("phone", ADMIN_PHONE,
                "password", "wrong-password")), 401, "INVALID_CREDENTIALS", null);
        ErrorShape.assertClearError(node.api().post("/api/v1/console/login", null, map("phone", ADMIN_PHONE)), 400,
                "VALIDATION_FAILED", "password");
        ErrorShape.assertClearError(node.api().post("/api/v1/console/login", null, "{not json"), 400,
                "MALFORMED_JSON", null);
        Account passenger = node.register("passenger");
        ErrorShape.assertClearError(node.api().post("/api/v1/console/login", null, map("phone", passenger.phone(),
                "password", "password-123")), 403, "FORBIDDEN", null);
        ErrorShape.assertClearError(node.api().get("/api/v1/admin/live", passenger.token()), 403, "FORBIDDEN", null);
        ErrorShape.assertClearError(node.api().get("/api/v1/console/session", passenger.token()), 403, "FORBIDDEN",
                null);
        ErrorShape.assertClearError(node.api().get("/api/v1/admin/live", null), 401, "UNAUTHORIZED", null);
        String admin = node.api().post("/api/v1/auth/login", null, map("phone", ADMIN_PHONE, "password",
                ADMIN_PASSWORD)).str("accessToken");
        ErrorShape.assertClearError(node.api().get("/api/v1/admin/live?limit=0", admin), 400, "VALIDATION_FAILED",
                "limit");
        ErrorShape.assertClearError(node.api().get("/api/v1/admin/live?limit=abc", admin), 400, "VALIDATION_FAILED",
                "limit");
        ErrorShape.assertClearError(node.api().get("/api/v1/admin/live?colour=red", admin), 400, "VALIDATION_FAILED",
                "colour");
        HttpResult forged = node.api().send(node.api().request("/api/v1/admin/live", null)
                .header("Cookie", SessionCookies.SESSION + "=not-a-token").GET().build());
        ErrorShape.assertClearError(forged, 401, "INVALID_TOKEN", null);
    }

    @Test
    void outsideTheAdminNetworks_pageLoginAndApiAreRefused() {
        try (TestNode restricted = TestNode.start(Map.of("ADMIN_ALLOWED_CIDRS", "10.0.0.0/8", "ADMIN_PHONE",
                ADMIN_PHONE, "ADMIN_PASSWORD", ADMIN_PASSWORD, "SAFETY_MONITOR", "false", "WORKER_QUEUES", "none"))) {
            for (String path : List.of("/console", "/console/assets/app.js")) {
                ErrorShape.assertClearError(restricted.api().get(path, null), 403, "ADMIN_NETWORK_FORBIDDEN", null);
            }
            ErrorShape.assertClearError(restricted.api().post("/api/v1/console/login", null, map("phone", ADMIN_PHONE,
                    "password", ADMIN_PASSWORD)), 403, "ADMIN_NETWORK_FORBIDDEN", null);
            String admin = restricted.api().post("/api/v1/auth/login", null, map("phone", ADMIN_PHONE, "password",
                    ADMIN_PASSWORD)).str("accessToken");
            for (String path : List.of("/api/v1/admin/live", "/api/v1/console/session", "/api/v1/admin/sos")) {
                ErrorShape.assertClearError(restricted.api().get(path, admin), 403, "ADMIN_NETWORK_FORBIDDEN", null);
            }
        }
    }

    @Test
    void databaseDown_liveAndLoginAre503() throws Exception {
        String db = TestPostgres.get().newDatabase();
        try (TcpProxy proxy = TcpProxy.forJdbcUrl(db);
                TestNode cut = TestNode.start(Map.of("DATABASE_URL", proxy.rewrite(db), "ADMIN_PHONE", ADMIN_PHONE,
                        "ADMIN_PASSWORD", ADMIN_PASSWORD, "SAFETY_MONITOR", "false", "WORKER_QUEUES", "none",
                        "DB_POOL_TIMEOUT", "500ms"))) {
            String[] c = consoleLogin(cut.api(), ADMIN_PHONE, ADMIN_PASSWORD);
            assertThat(withCookies(cut.api(), "GET", "/api/v1/admin/live", c, null, null).status()).isEqualTo(200);
            proxy.cut();
            for (HttpResult h : List.of(withCookies(cut.api(), "GET", "/api/v1/admin/live", c, null, null),
                    cut.api().post("/api/v1/console/login", null, map("phone", ADMIN_PHONE, "password",
                            ADMIN_PASSWORD)))) {
                assertThat(h.status()).as(h.text()).isEqualTo(503);
                ErrorShape.assertClearError(h, 503, h.errorCode(), null);
                assertThat(h.header("Retry-After")).isNotNull();
            }
            assertThat(cut.api().get("/console", null).status()).as("the page itself needs no database")
                    .isEqualTo(200);
        }
    }

    /** Opens a long-polling Socket.IO session with these handshake headers, CONNECTs, and answers what came back. */
    private static String socketConnect(ApiClient api, String cookie, String origin) {
        HttpRequest.Builder open = api.request("/socket.io/?EIO=4&transport=polling", null).header("Cookie", cookie);
        if (origin != null) {
            open.header("Origin", origin);
        }
        HttpResult hs = api.send(open.GET().build());
        assertThat(hs.status()).as(hs.text()).isEqualTo(200);
        java.util.regex.Matcher sid = java.util.regex.Pattern.compile("\"sid\":\"([^\"]+)\"").matcher(hs.text());
        assertThat(sid.find()).as(hs.text()).isTrue();
        String path = "/socket.io/?EIO=4&transport=polling&sid=" + sid.group(1);
        HttpResult sent = api.send(api.request(path, null).header("Content-Type", "text/plain;charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString("40")).build());
        assertThat(sent.status()).as(sent.text()).isEqualTo(200);
        return api.send(api.request(path, null).GET().build()).text();
    }

    @Test
    void socketIo_authenticatesWithTheSessionCookie_onlyFromTheNodesOwnOrigin() {
        String[] c = consoleLogin(node.api(), ADMIN_PHONE, ADMIN_PASSWORD);
        String cookie = SessionCookies.SESSION + "=" + c[0];
        String own = node.api().base();
        assertThat(socketConnect(node.api(), cookie, own)).as("same origin").startsWith("40{\"sid\"");
        assertThat(socketConnect(node.api(), cookie, null)).as("no page: no Origin").startsWith("40{\"sid\"");
        String cross = socketConnect(node.api(), cookie, "https://evil.example");
        assertThat(cross).as("another site's page").startsWith("44").contains("UNAUTHORIZED");
    }
}
