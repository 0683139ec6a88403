package com.hushryd.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hushryd.testing.ApiClient;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.LogCapture;
import com.hushryd.testing.RawHttp;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
 * A seeded fuzz run against one node: every operation of its own {@code /openapi.json} (so a new route is fuzzed
 * without touching this test) with bad path parameters, query values and bodies, as each role and anonymously; then
 * every client event of {@code docs/realtime.md} with fuzzed arguments through the official client, and malformed
 * Engine.IO / Socket.IO frames over polling and WebSocket. Never a 5xx, every 4xx in the error shape, nothing logged
 * as an error, and the node still serves afterwards. The run is the same every time (fixed seed): a failure names the
 * request to replay.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FuzzIT {
    static final long SEED = 0x13BAD1L;
    static final int MUTATIONS_PER_CALLER = 14;
    static final String ADMIN_PHONE = "+919999999994";
    static final String ADMIN_PASSWORD = "admin-password-14";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern ERROR_CODE = Pattern.compile("[A-Z][A-Z0-9_]*");
    private static final Path ROOT = Path.of(System.getProperty("hushryd.repo.root", "..")).toAbsolutePath()
            .normalize();

    static TestNode node;
    static final Map<String, Account> accounts = new ConcurrentHashMap<>();
    static volatile String admin;
    static String trip;
    static String activeTrip;
    static String sosAlert;
    static String conversation;
    static final Map<Integer, Integer> STATUSES = new ConcurrentHashMap<>();
    static final List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());

    enum Caller { ANONYMOUS, PASSENGER, DRIVER, ADMIN }

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("ADMIN_PHONE", ADMIN_PHONE, "ADMIN_PASSWORD", ADMIN_PASSWORD,
                "HTTP_BODY_LIMIT", "32kb"));
        refresh(Caller.PASSENGER);
        refresh(Caller.DRIVER);
        refresh(Caller.ADMIN);
        Account driver = accounts.get("driver");
        Account passenger = accounts.get("passenger");
        trip = node.createTrip(driver, "Goa", "Pune", 3, 4, 500);
        activeTrip = node.createTrip(driver, "Goa", "Margao", 1, 4, 100);
        HttpResult booking = node.api().post("/api/v1/trips/" + activeTrip + "/bookings", passenger.token(),
                ApiClient.map("seats", 1));
        assertThat(booking.status()).as(booking.text()).isEqualTo(201);
        assertThat(node.api().post("/api/v1/trips/" + activeTrip + "/start", driver.token(), "").status())
                .isEqualTo(200);
        HttpResult conversations = node.api().get("/api/v1/conversations", passenger.token());
        conversation = conversations.json().path("items").path(0).path("id").asText(UUID.randomUUID().toString());
        HttpResult sos = node.api().post("/api/v1/sos", passenger.token(), ApiClient.map("tripId", activeTrip));
        assertThat(sos.status()).as(sos.text()).isIn(200, 201);
        sosAlert = sos.str("alertId");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /** A fresh account (or token) for a caller, e.g. after a fuzzed call logged it out. */
    static void refresh(Caller c) {
        switch (c) {
            case PASSENGER -> accounts.put("passenger", node.register("passenger"));
            case DRIVER -> accounts.put("driver", node.register("driver"));
            case ADMIN -> admin = node.api().post("/api/v1/auth/login", null,
                    ApiClient.map("phone", ADMIN_PHONE, "password", ADMIN_PASSWORD)).str("accessToken");
            case ANONYMOUS -> { }
        }
    }

    static String token(Caller c) {
        return switch (c) {
            case ANONYMOUS -> null;
            case PASSENGER -> accounts.get("passenger").token();
            case DRIVER -> accounts.get("driver").token();
            case ADMIN -> admin;
        };
    }

    // ---------------------------------------------------------------- HTTP

    record Operation(String method, String path, JsonNode op) {
    }

    static List<Operation> operations(JsonNode doc) {
        List<Operation> ops = new ArrayList<>();
        doc.path("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(m -> {
            if (List.of("get", "post", "put", "patch", "delete").contains(m.getKey())) {
                ops.add(new Operation(m.getKey().toUpperCase(Locale.ROOT), p.getKey(), m.getValue()));
            }
        }));
        return ops;
    }

    @Test
    @Order(1)
    void everyOperationOfTheOpenApiDocument_survivesASeededCorpusOfBadInput() throws Exception {
        JsonNode doc = node.api().get("/openapi.json", null).json();
        List<Operation> ops = operations(doc);
        assertThat(ops).hasSizeGreaterThan(40);
        Set<String> covered = ConcurrentHashMap.newKeySet();
        AtomicInteger requests = new AtomicInteger();
        long t0 = System.nanoTime();
        ExecutorService callers = Executors.newFixedThreadPool(Caller.values().length);
        try (LogCapture logs = LogCapture.start()) {
            // one thread per caller, each with its own seeded sequence: the corpus is the same on every run
            List<Future<?>> runs = new ArrayList<>();
            for (Caller caller : Caller.values()) {
                runs.add(callers.submit(() -> {
                    for (Operation op : ops) {
                        SplittableRandom random = new SplittableRandom(SEED * 31 + caller.ordinal()
                                ^ (op.method() + " " + op.path()).hashCode());
                        int mutations = hasInputs(op) ? MUTATIONS_PER_CALLER : 4;
                        for (int i = 0; i < mutations; i++) {
                            Fuzzed request = fuzz(doc, op, random);
                            check(caller, request, send(caller, request));
                            requests.incrementAndGet();
                        }
                        covered.add(op.method() + " " + op.path());
                    }
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get(5, TimeUnit.MINUTES);
            }
            assertThat(logs.errorsAndStackTraces()).as("logged while fuzzing HTTP").isEmpty();
        } finally {
            callers.shutdownNow();
        }
        assertThat(covered).as("operations fuzzed vs. in openapi.json").hasSizeGreaterThanOrEqualTo(ops.size());
        System.out.printf("FuzzIT: %d HTTP requests over %d operations in %d ms (seed %x)%n", requests.get(),
                covered.size(), (System.nanoTime() - t0) / 1_000_000, SEED);
        System.out.println("FuzzIT: statuses " + new java.util.TreeMap<>(STATUSES));
        assertThat(problems).as("seed %x: %d of %d requests went wrong, e.g.%n%s", SEED, problems.size(), requests.get(),
                String.join("\n", problems.subList(0, Math.min(25, problems.size())))).isEmpty();
        assertStillServing();
    }

    static boolean hasInputs(Operation op) {
        return op.op().path("parameters").size() > 0 || op.op().has("requestBody");
    }

    /** One request of the corpus: the request target, content type and body exactly as they go on the wire. */
    record Fuzzed(String method, String target, String contentType, String body, Map<String, String> headers,
            String mutation) {
        @Override
        public String toString() {
            return method + " " + abbreviate(target) + " [" + mutation + "]"
                    + (body == null ? "" : " " + contentType + " " + abbreviate(body));
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...(" + s.length() + " chars)";
    }

    static final String[] BAD_PATH_VALUES = {"not-a-uuid", "%", "%zz", "%00", "%C3%BC", "%F0%9F%92%A9", "..", "%2F",
        "-1", "null", "0", "12345678-1234-1234-1234-1234567890123", "AAAAAAAA-AAAA-AAAA-AAAA-AAAAAAAAAAAA",
        "a".repeat(300), "x".repeat(5000), "%E0%A4", "%FF%FE", "ü", "' OR 1=1 --"};
    static final String[] BAD_QUERY_VALUES = {"%zz", "%", "", "99999999999999999999999", "-99999999999999999999",
        "1e309", "-1e309", "NaN", "Infinity", "-0", "0", "-1", "2147483648", "%2B999999999-12-31",
        "-999999999-01-01", "0000-00-00", "9999-12-31", "2026-02-30", "%C3%BC", "%00", "%F0%9F%92%A9", "%E0%A4",
        "x".repeat(3000), "null", "true", "[]", "%7B%7D", "Etc%2FGMT%2B14", "../../etc/passwd"};

    static Fuzzed fuzz(JsonNode doc, Operation op, SplittableRandom random) {
        List<JsonNode> params = new ArrayList<>();
        op.op().path("parameters").forEach(params::add);
        List<String> pathParams = params.stream().filter(p -> p.path("in").asText().equals("path"))
                .map(p -> p.path("name").asText()).toList();
        List<String> queryParams = params.stream().filter(p -> p.path("in").asText().equals("query"))
                .map(p -> p.path("name").asText()).toList();
        JsonNode bodySchema = op.op().path("requestBody").path("content").path("application/json").path("schema");
        String method = op.method();
        Map<String, String> path = new LinkedHashMap<>();
        for (String p : pathParams) {
            path.put(p, validPathValue(op.path(), p, random));
        }
        Map<String, String> query = new LinkedHashMap<>();
        String contentType = null;
        String body = null;
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode sample = bodySchema.isMissingNode() ? null : sample(doc, bodySchema, 0, random);
        if (sample != null) {
            contentType = "application/json";
            body = sample.toString();
        }
        String mutation;
        int kind = random.nextInt(10);
        if (kind < 2 && !pathParams.isEmpty()) {
            String p = pathParams.get(random.nextInt(pathParams.size()));
            String v = BAD_PATH_VALUES[random.nextInt(BAD_PATH_VALUES.length)];
            path.put(p, v);
            mutation = "path " + p + "=" + abbreviate(v);
        } else if (kind < 4 && !queryParams.isEmpty()) {
            String p = queryParams.get(random.nextInt(queryParams.size()));
            String v = BAD_QUERY_VALUES[random.nextInt(BAD_QUERY_VALUES.length)];
            query.put(p, v);
            mutation = "query " + p + "=" + abbreviate(v);
        } else if (kind < 8 && sample != null) {
            Mutated m = mutateBody(sample, random);
            contentType = m.contentType();
            body = m.body();
            mutation = "body " + m.what();
        } else {
            int other = random.nextInt(7);
            switch (other) {
                case 0 -> {
                    query.put("unexpected", "1");
                    mutation = "unknown query parameter";
                }
                case 1 -> {
                    method = List.of("GET", "POST", "PUT", "PATCH", "DELETE").get(random.nextInt(5));
                    mutation = "method " + method;
                }
                case 2 -> {
                    contentType = "application/json";
                    body = List.of("{", "[]", "null", "\"x\"", "{}", "{\"a\":1}", "123").get(random.nextInt(7));
                    mutation = "a body where none or another is expected";
                }
                case 3 -> {
                    headers.put("Idempotency-Key", List.of("", " ", "k".repeat(500), "ü", "\t").get(random.nextInt(5)));
                    mutation = "odd Idempotency-Key";
                }
                case 4 -> {
                    headers.put("X-Forwarded-For", List.of("%zz", "999.1.1.1", "", ",,,", "::ffff:x").get(random.nextInt(5)));
                    mutation = "odd X-Forwarded-For";
                }
                case 5 -> {
                    headers.put("Content-Type", List.of("application/json; charset=ebcdic", "application/jsonx",
                            "*/*", "application/json;;;").get(random.nextInt(4)));
                    mutation = "odd Content-Type header " + headers.get("Content-Type");
                }
                default -> {
                    for (String p : queryParams) {
                        query.put(p, BAD_QUERY_VALUES[random.nextInt(BAD_QUERY_VALUES.length)]);
                    }
                    mutation = "every query parameter bad";
                }
            }
        }
        String target = op.path();
        for (Map.Entry<String, String> e : path.entrySet()) {
            target = target.replace("{" + e.getKey() + "}", e.getValue());
        }
        if (!query.isEmpty()) {
            StringBuilder q = new StringBuilder();
            query.forEach((k, v) -> q.append(q.isEmpty() ? "?" : "&").append(k).append('=').append(v));
            target += q;
        }
        if (headers.containsKey("Content-Type")) {
            contentType = headers.remove("Content-Type");
            if (body == null) {
                body = "{}";
            }
        }
        return new Fuzzed(method, target, contentType, body, headers, mutation);
    }

    static String validPathValue(String path, String name, SplittableRandom random) {
        if (name.equals("name")) {
            return "jobs";
        }
        if (name.equals("key")) {
            return "k" + random.nextInt(1000);
        }
        if (path.startsWith("/api/v1/sos/")) {
            return sosAlert;
        }
        if (path.startsWith("/api/v1/users/") || path.startsWith("/api/v1/admin/drivers/")) {
            return accounts.get("driver").id();
        }
        if (path.startsWith("/api/v1/conversations/")) {
            return conversation;
        }
        return List.of(trip, activeTrip, UUID.randomUUID().toString()).get(random.nextInt(3));
    }

    /** A plausible value for a schema (the corpus starts near valid input so that mutations reach deep checks). */
    static JsonNode sample(JsonNode doc, JsonNode schema, int depth, SplittableRandom random) {
        if (schema.has("$ref")) {
            String name = schema.path("$ref").asText().replace("#/components/schemas/", "");
            return sample(doc, doc.path("components").path("schemas").path(name), depth, random);
        }
        for (String any : List.of("oneOf", "anyOf", "allOf")) {
            if (schema.has(any)) {
                return sample(doc, schema.path(any).path(0), depth, random);
            }
        }
        if (schema.has("enum")) {
            return schema.path("enum").path(random.nextInt(schema.path("enum").size()));
        }
        String type = schema.path("type").isArray() ? schema.path("type").path(0).asText() : schema.path("type").asText();
        String format = schema.path("format").asText();
        switch (type) {
            case "object" -> {
                ObjectNode o = NODES.objectNode();
                if (depth < 5) {
                    schema.path("properties").fields().forEachRemaining(p ->
                            o.set(p.getKey(), sample(doc, p.getValue(), depth + 1, random)));
                }
                return o;
            }
            case "array" -> {
                ArrayNode a = NODES.arrayNode();
                if (depth < 5) {
                    a.add(sample(doc, schema.path("items"), depth + 1, random));
                }
                return a;
            }
            case "integer" -> {
                return NODES.numberNode(schema.has("minimum") ? schema.path("minimum").asLong() : 1);
            }
            case "number" -> {
                return NODES.numberNode(schema.has("minimum") ? schema.path("minimum").asDouble() + 1 : 12.5);
            }
            case "boolean" -> {
                return NODES.booleanNode(random.nextBoolean());
            }
            default -> {
                return NODES.textNode(switch (format) {
                    case "uuid" -> List.of(trip, activeTrip, sosAlert).get(random.nextInt(3));
                    case "date-time" -> Instant.now().plus(Duration.ofDays(2)).toString();
                    case "date" -> LocalDate.now().toString();
                    case "email" -> "fuzz@example.com";
                    default -> "fuzz " + random.nextInt(100);
                });
            }
        }
    }

    record Mutated(String contentType, String body, String what) {
    }

    static final List<JsonNode> BAD_VALUES = List.of(NODES.textNode(" "), NODES.textNode("\u0000"),
            NODES.textNode(""), NODES.textNode("   \t "), NODES.nullNode(), NODES.booleanNode(true),
            NODES.numberNode(new java.math.BigInteger("9".repeat(30))), NODES.numberNode(-1), NODES.numberNode(0),
            NODES.numberNode(1.5), NODES.numberNode(1e300), NODES.numberNode(-1e300), NODES.textNode("12"),
            NODES.textNode("\ud83d\udca9"), NODES.textNode("x".repeat(5000)), NODES.arrayNode(),
            NODES.objectNode(), NODES.textNode("<script>"), NODES.textNode("2026-13-45T25:61:00Z"),
            NODES.textNode("+999999999-12-31T23:59:59Z"), NODES.textNode("-999999999-01-01T00:00:00Z"),
            NODES.numberNode(Long.MAX_VALUE), NODES.numberNode(Long.MIN_VALUE));

    static Mutated mutateBody(JsonNode sample, SplittableRandom random) {
        List<String> fields = new ArrayList<>();
        leaves(sample, "", fields);
        String json = sample.toString();
        int kind = random.nextInt(16);
        if (kind < 6 && !fields.isEmpty()) {
            String field = fields.get(random.nextInt(fields.size()));
            JsonNode bad = BAD_VALUES.get(random.nextInt(BAD_VALUES.size()));
            return new Mutated("application/json", set(sample.deepCopy(), field, bad).toString(),
                    field + "=" + abbreviate(bad.toString()));
        }
        if (kind < 8 && !fields.isEmpty()) {
            String field = fields.get(random.nextInt(fields.size()));
            String huge = random.nextBoolean() ? "9".repeat(101) : "-" + "1".repeat(200) + ".5e-99999999999";
            String marker = "\"__HUGE__\"";
            return new Mutated("application/json", set(sample.deepCopy(), field, NODES.textNode("__HUGE__"))
                    .toString().replace(marker, huge), field + "=<" + huge.length() + "-character number>");
        }
        return switch (kind) {
            case 8 -> {
                if (!fields.isEmpty()) {
                    String field = fields.get(random.nextInt(fields.size()));
                    yield new Mutated("application/json", remove(sample.deepCopy(), field).toString(),
                            "without " + field);
                }
                yield new Mutated("application/json", "{}", "empty object");
            }
            case 9 -> {
                ObjectNode extra = sample.isObject() ? ((ObjectNode) sample.deepCopy()) : NODES.objectNode();
                extra.put("isAdmin", true);
                yield new Mutated("application/json", extra.toString(), "extra field");
            }
            case 10 -> new Mutated("application/json", "[" + json + "]", "array instead of object");
            case 11 -> {
                int depth = 30 + random.nextInt(3000);
                String deep = "[".repeat(depth) + "]".repeat(depth);
                String at = fields.isEmpty() ? null : fields.get(random.nextInt(fields.size()));
                yield new Mutated("application/json", at == null ? deep
                        : set(sample.deepCopy(), at, NODES.textNode("__DEEP__")).toString()
                                .replace("\"__DEEP__\"", deep), "nesting " + depth + " deep at " + at);
            }
            case 12 -> new Mutated("application/json", json.substring(0, random.nextInt(Math.max(1, json.length()))),
                    "truncated JSON");
            case 13 -> new Mutated(List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                    "application/xml").get(random.nextInt(4)), json, "wrong content type");
            case 14 -> {
                if (fields.isEmpty()) {
                    yield new Mutated("application/json", "\"\\ud800\"", "lone surrogate");
                }
                String field = fields.get(random.nextInt(fields.size()));
                yield new Mutated("application/json", set(sample.deepCopy(), field, NODES.textNode("__SURROGATE__"))
                        .toString().replace("__SURROGATE__", "\\ud800x\\udfff"), "lone surrogates in " + field);
            }
            default -> new Mutated("application/json", "{\"x\":\"" + "y".repeat(40_000) + "\"}", "over the body limit");
        };
    }

    /** Paths of the leaf values: {@code source.lat}, {@code contacts[0].phone}. */
    static void leaves(JsonNode n, String prefix, List<String> out) {
        if (n.isObject()) {
            n.fields().forEachRemaining(e -> leaves(e.getValue(), prefix.isEmpty() ? e.getKey()
                    : prefix + "." + e.getKey(), out));
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                leaves(n.get(i), prefix + "[" + i + "]", out);
            }
        } else if (!prefix.isEmpty()) {
            out.add(prefix);
        }
    }

    private static final Pattern STEP = Pattern.compile("([^.\\[]+)|\\[(\\d+)]");

    static JsonNode set(JsonNode root, String path, JsonNode value) {
        return edit(root, path, (parent, key, index) -> {
            if (parent instanceof ObjectNode o) {
                o.set(key, value);
            } else if (parent instanceof ArrayNode a) {
                a.set(index, value);
            }
        });
    }

    static JsonNode remove(JsonNode root, String path) {
        return edit(root, path, (parent, key, index) -> {
            if (parent instanceof ObjectNode o) {
                o.remove(key);
            } else if (parent instanceof ArrayNode a) {
                a.remove(index);
            }
        });
    }

    interface Edit {
        void apply(JsonNode parent, String key, int index);
    }

    static JsonNode edit(JsonNode root, String path, Edit edit) {
        Matcher m = STEP.matcher(path);
        List<Object> steps = new ArrayList<>();
        while (m.find()) {
            steps.add(m.group(1) != null ? m.group(1) : (Object) Integer.parseInt(m.group(2)));
        }
        JsonNode parent = root;
        for (int i = 0; i < steps.size() - 1; i++) {
            parent = steps.get(i) instanceof Integer idx ? parent.get(idx) : parent.get((String) steps.get(i));
        }
        Object last = steps.get(steps.size() - 1);
        edit.apply(parent, last instanceof String s ? s : null, last instanceof Integer idx ? idx : -1);
        return root;
    }

    static HttpResult send(Caller caller, Fuzzed r) {
        StringBuilder head = new StringBuilder(r.method()).append(' ').append(r.target())
                .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close");
        String token = token(caller);
        if (token != null) {
            head.append("\r\nAuthorization: Bearer ").append(token);
        }
        r.headers().forEach((k, v) -> head.append("\r\n").append(k).append(": ").append(v));
        if (r.body() != null) {
            if (r.contentType() != null) {
                head.append("\r\nContent-Type: ").append(r.contentType());
            }
            head.append("\r\nContent-Length: ").append(r.body().getBytes(StandardCharsets.UTF_8).length);
        }
        try {
            return RawHttp.exchange(node.node().port(), head.toString(), r.body());
        } catch (RuntimeException e) {
            problems.add(caller + " " + r + " -> no response: " + e.getMessage());
            return null;
        }
    }

    static void check(Caller caller, Fuzzed r, HttpResult res) {
        if (res == null) {
            return;
        }
        STATUSES.merge(res.status(), 1, Integer::sum);
        String where = caller + " " + r + " -> " + res.status() + " " + abbreviate(res.text());
        if (res.status() >= 500) {
            problems.add(where);
            return;
        }
        if (res.status() >= 400) {
            JsonNode json = res.json();
            if (json == null || !ERROR_CODE.matcher(json.path("error").path("code").asText()).matches()
                    || json.path("error").path("message").asText().isBlank()
                    || json.path("error").path("message").asText().contains("Exception")
                    || json.path("error").path("message").asText().contains("com.hushryd")
                    || !json.path("error").path("details").isObject()
                    || !json.path("requestId").asText().equals(res.header("X-Request-Id"))) {
                problems.add(where + " (not the error shape)");
            }
            if (res.status() == 401 && caller != Caller.ANONYMOUS
                    && !"INVALID_CREDENTIALS".equals(res.errorCode())) {
                refresh(caller); // e.g. a fuzzed logout revoked the token: keep fuzzing as a signed-in user
            }
        }
    }

    static void assertStillServing() {
        HttpResult ready = node.api().get("/health/ready", null);
        assertThat(ready.status()).as(ready.text()).isEqualTo(200);
        Account fresh = node.register("passenger");
        HttpResult me = node.api().get("/api/v1/me", fresh.token());
        assertThat(me.status()).as(me.text()).isEqualTo(200);
        HttpResult search = node.api().get("/api/v1/trips/search?from=Goa", fresh.token());
        assertThat(search.status()).as(search.text()).isEqualTo(200);
    }

    // ---------------------------------------------------------------- Socket.IO

    /** The client events of docs/realtime.md and the fields of their argument, e.g. location:update -> tripId, lat... */
    static Map<String, List<String>> documentedEvents() throws Exception {
        String doc = Files.readString(ROOT.resolve("docs/realtime.md"));
        String table = doc.substring(doc.indexOf("## Client → server events"), doc.indexOf("## Server → client events"));
        Map<String, List<String>> events = new LinkedHashMap<>();
        Matcher row = Pattern.compile("(?m)^\\| `([a-z]+:[a-z]+)` \\| ([^|]*)\\|").matcher(table);
        while (row.find()) {
            Matcher braces = Pattern.compile("\\{([^}]*)}").matcher(row.group(2));
            List<String> fields = new ArrayList<>();
            if (braces.find()) {
                for (String f : braces.group(1).split(",")) {
                    fields.add(f.trim().replace("?", ""));
                }
            }
            events.put(row.group(1), fields);
        }
        return events;
    }

    static JsonNode eventSample(List<String> fields, SplittableRandom random) {
        ObjectNode o = NODES.objectNode();
        for (String f : fields) {
            switch (f) {
                case "tripId" -> o.put(f, random.nextBoolean() ? activeTrip : trip);
                case "alertId" -> o.put(f, sosAlert);
                case "conversationId" -> o.put(f, conversation);
                case "lat" -> o.put(f, 15.3);
                case "lng" -> o.put(f, 73.9);
                case "speed", "heading", "accuracy" -> o.put(f, 10.5);
                case "timestamp" -> o.put(f, System.currentTimeMillis());
                default -> o.put(f, "fuzz " + random.nextInt(1000));
            }
        }
        return o;
    }

    static List<Object> fuzzArgs(List<String> fields, SplittableRandom random) {
        JsonNode sample = eventSample(fields, random);
        int kind = random.nextInt(12);
        if (kind < 6 && sample.size() > 0) {
            List<String> leaves = new ArrayList<>();
            leaves(sample, "", leaves);
            String field = leaves.get(random.nextInt(leaves.size()));
            JsonNode bad = BAD_VALUES.get(random.nextInt(BAD_VALUES.size()));
            return List.of(set(sample.deepCopy(), field, bad));
        }
        return switch (kind) {
            case 6 -> List.of();
            case 7 -> List.of(sample, sample);
            case 8 -> List.of(BAD_VALUES.get(random.nextInt(BAD_VALUES.size())));
            case 9 -> {
                ArrayNode deep = NODES.arrayNode();
                ArrayNode at = deep;
                for (int i = 0; i < 10 + random.nextInt(50); i++) { // deeper than 64 closes the session: see below
                    at = at.addArray();
                }
                yield List.of(deep);
            }
            case 10 -> {
                ObjectNode extra = (ObjectNode) sample.deepCopy();
                extra.put("surprise", 1);
                yield List.of(extra);
            }
            default -> List.of(sample.size() > 0 ? remove(sample.deepCopy(), sample.fieldNames().next()) : sample);
        };
    }

    @Test
    @Order(2)
    void everyDocumentedSocketEvent_withFuzzedArguments_getsAnAck_andNeverCrashesTheNode() throws Exception {
        Map<String, List<String>> events = documentedEvents();
        assertThat(events).containsKeys("location:update", "track:subscribe", "chat:send", "sos:trigger",
                "sos:location");
        events.put("no:such-event", List.of("a"));
        List<String> socketProblems = new ArrayList<>();
        List<String> disconnects = new ArrayList<>();
        int sent = 0;
        try (SocketIoAgent agent = SocketIoAgent.start(); LogCapture logs = LogCapture.start()) {
            for (Caller caller : List.of(Caller.PASSENGER, Caller.DRIVER, Caller.ADMIN)) {
                SplittableRandom random = new SplittableRandom(SEED ^ caller.ordinal());
                int generation = 0;
                String name = "fuzz-" + caller.name().toLowerCase(Locale.ROOT) + "-" + generation;
                SocketIoAgent.Client client = agent.connect(name, node.api().base(), token(caller));
                assertThat(client.connected()).as(client.connectReply().toString()).isTrue();
                for (int round = 0; round < 5; round++) {
                    for (Map.Entry<String, List<String>> event : events.entrySet()) {
                        // a few at a time: a burst of large answers to a client that reads slowly is a slow consumer
                        List<Map<String, Object>> items = new ArrayList<>();
                        for (int i = 0; i < 5; i++) {
                            items.add(Map.of("event", event.getKey(), "args", fuzzArgs(event.getValue(), random)));
                        }
                        JsonNode reply = agent.request(Map.of("cmd", "emitMany", "client", name, "items", items,
                                "timeout", 10_000));
                        sent += items.size();
                        JsonNode acks = reply.path("acks");
                        String clientName = name;
                        List<JsonNode> notices = agent.received(e -> clientName.equals(e.path("client").asText())
                                && e.path("type").asText().equals("disconnect"));
                        if (!notices.isEmpty() || !client.state().path("connected").asBoolean()) {
                            // well-formed packets never cost the client its connection
                            socketProblems.add(caller + " " + event.getKey() + ": " + notices + " in batch "
                                    + abbreviate(MAPPER.writeValueAsString(items)));
                            client.disconnect();
                            name = "fuzz-" + caller.name().toLowerCase(Locale.ROOT) + "-" + (++generation);
                            client = agent.connect(name, node.api().base(), token(caller));
                            assertThat(client.connected()).as("reconnect: " + client.connectReply()).isTrue();
                            continue;
                        }
                        for (int i = 0; i < items.size(); i++) {
                            JsonNode ack = acks.path(i);
                            String where = caller + " " + event.getKey() + " " + abbreviate(
                                    MAPPER.writeValueAsString(items.get(i).get("args"))) + " -> " + abbreviate(
                                    ack.toString());
                            if (ack.path("timeout").asBoolean()) {
                                socketProblems.add(where + " (no ack)");
                            } else if (!ack.path("ok").isBoolean()) {
                                socketProblems.add(where + " (not an ack of the contract)");
                            } else if (!ack.path("ok").asBoolean() && (!ERROR_CODE.matcher(
                                    ack.path("error").path("code").asText()).matches()
                                    || ack.path("error").path("code").asText().equals("INTERNAL_ERROR")
                                    || ack.path("error").path("message").asText().contains("Exception"))) {
                                socketProblems.add(where + " (bad error)");
                            }
                        }
                    }
                }
                // nesting beyond the parser's limit (64) is refused by closing the session: cleanly, and only that one
                JsonNode deep = NODES.arrayNode();
                ArrayNode at = (ArrayNode) deep;
                for (int i = 0; i < 100; i++) {
                    at = at.addArray();
                }
                JsonNode answer = agent.request(Map.of("cmd", "emit", "client", name, "event", "location:update",
                        "args", List.of(deep), "ack", true, "timeout", 3000));
                assertThat(answer.path("ok").asBoolean() || answer.path("error").path("message").asText()
                        .contains("disconnected")).as(answer.toString()).isTrue();
                disconnects.add(caller + " 100-deep arguments: " + answer);
                client.disconnect();
            }
            System.out.printf("FuzzIT: %d socket events; refused by closing the session:%n", sent);
            disconnects.forEach(d -> System.out.println("  " + d));
            assertThat(logs.errorsAndStackTraces()).as("logged while fuzzing socket events").isEmpty();
            assertThat(socketProblems).as("seed %x: %d of %d events went wrong, e.g.%n%s", SEED,
                    socketProblems.size(), sent, String.join("\n", socketProblems.subList(0,
                            Math.min(25, socketProblems.size())))).isEmpty();
            // and a normal client still works
            SocketIoAgent.Client after = agent.connect("after", node.api().base(), token(Caller.DRIVER));
            JsonNode ok = after.emitWithAck("track:unsubscribe", activeTrip).get(0);
            assertThat(ok.path("ok").asBoolean()).as(ok.toString()).isTrue();
        }
        assertStillServing();
    }

    /** Malformed Engine.IO / Socket.IO packets, each in a session of its own (the server may close it). */
    static List<String> malformedPackets() {
        String connect = "40{\"token\":\"" + token(Caller.PASSENGER) + "\"}";
        return List.of("", "\u001e", "x", "9", "4", "40{", "41", "42", "43", "44", "45", "46", "47", "4{", "42[",
                "42[\"", "42{}", "42[]", "42[1]", "42[null]", "42[\"location:update\"", "42[\"location:update\",{]",
                "4299999999999999999999999[\"chat:typing\",{}]", "42-1[\"x\"]", "42/nope,[\"x\"]", "40/nope,",
                "40/nope,{\"token\":1}", "451-[\"x\",{\"_placeholder\":true,\"num\":0}]", "45999-[\"x\"]",
                "42" + "[".repeat(3000), "bAAAA!!!", "b", "6", "2probe", "3", "5", "1", "40" + "{".repeat(500),
                connect + "\u001e42[\"track:subscribe\",\"\\u0000\"]",
                connect + "\u001e42[\"sos:location\",{\"alertId\":\"" + "9".repeat(120) + "\"}]",
                connect + "\u001e421[\"location:update\",{\"lat\":" + "9".repeat(101) + "}]",
                connect + "\u001e42[\"chat:send\",{\"conversationId\":" + "[".repeat(100) + "]".repeat(100) + "}]",
                connect + "\u001e42" + "x".repeat(1_100_000));
    }

    @Test
    @Order(3)
    void malformedEngineIoAndSocketIoFrames_areRefusedCleanly_overPollingAndWebSocket() throws Exception {
        int port = node.node().port();
        List<String> frameProblems = new ArrayList<>();
        try (LogCapture logs = LogCapture.start()) {
            for (String packet : malformedPackets()) {
                HttpResult open = RawHttp.get(port, "/socket.io/?EIO=4&transport=polling");
                assertThat(open.status()).as(open.text()).isEqualTo(200);
                String sid = MAPPER.readTree(open.text().substring(1)).path("sid").asText();
                byte[] body = packet.getBytes(StandardCharsets.UTF_8);
                HttpResult post;
                try {
                    post = RawHttp.exchange(port, "POST /socket.io/?EIO=4&transport=polling&sid=" + sid
                            + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: text/plain\r\n"
                            + "Content-Length: " + body.length, packet);
                } catch (RuntimeException e) {
                    frameProblems.add(abbreviate(packet) + " -> no response: " + e.getMessage());
                    continue;
                }
                if (post.status() >= 500 || (post.status() != 200 && post.status() != 400 && post.status() != 413)) {
                    frameProblems.add(abbreviate(packet) + " -> " + post.status() + " " + abbreviate(post.text()));
                }
            }
            HttpClient client = HttpClient.newHttpClient();
            for (String packet : malformedPackets()) {
                CompletableFuture<Void> closed = new CompletableFuture<>();
                WebSocket ws = client.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port
                        + "/socket.io/?EIO=4&transport=websocket"), new WebSocket.Listener() {
                            @Override
                            public CompletionStage<?> onClose(WebSocket w, int status, String reason) {
                                closed.complete(null);
                                return null;
                            }

                            @Override
                            public void onError(WebSocket w, Throwable error) {
                                closed.complete(null);
                            }
                        }).get(10, TimeUnit.SECONDS);
                try {
                    ws.sendText(packet, true).get(10, TimeUnit.SECONDS);
                    ws.sendBinary(ByteBuffer.wrap(new byte[] {4, (byte) 0xff, 0, 1}), true).get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // the server may close the connection on the first bad frame: that is a clean refusal
                }
                ws.abort();
            }
            assertThat(logs.errorsAndStackTraces()).as("logged while sending malformed frames").isEmpty();
        }
        assertThat(frameProblems).isEmpty();
        HttpResult open = RawHttp.get(port, "/socket.io/?EIO=4&transport=polling");
        assertThat(open.status()).isEqualTo(200);
        assertStillServing();
    }
}
