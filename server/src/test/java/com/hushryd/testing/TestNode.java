package com.hushryd.testing;

import com.hushryd.app.ConfigLoader;
import com.hushryd.app.Node;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real node started in this JVM on a free port, on its own fresh database (or on the embedded default when the
 * settings say {@code DATABASE_URL=} empty), configured only through the same variables an operator would set.
 */
public final class TestNode implements AutoCloseable {
    public static final String JWT_SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
    private static final AtomicInteger PHONES = new AtomicInteger((int) (System.nanoTime() % 1_000_000));

    private final Node node;
    private final ApiClient client;
    private final Map<String, String> settings;

    private TestNode(Node node, Map<String, String> settings) {
        this.node = node;
        this.settings = settings;
        this.client = new ApiClient("http://127.0.0.1:" + node.port());
    }

    /** Starts a node on a new database; {@code overrides} are environment variables (e.g. "JWT_TTL", "2m"). */
    public static TestNode start(Map<String, String> overrides) {
        return restart(settings(overrides));
    }

    /**
     * The settings of a test node (also those of a {@link NodeProcess}): free port, loopback, fast hashing, quotas and
     * shedding out of the way, a new data directory, and a new database unless {@code overrides} name one.
     */
    public static Map<String, String> settings(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>();
        env.put("PORT", "0");
        env.put("HOST", "127.0.0.1");
        env.put("JWT_SECRET", JWT_SECRET);
        env.put("BCRYPT_COST", "4");
        env.put("LOG_LEVEL", "warn");
        env.put("SHUTDOWN_TIMEOUT", "2s");
        env.put("SHUTDOWN_READY_GRACE", "0s");
        env.put("DATA_DIR", tempDir().toString());
        // every test client comes from 127.0.0.1: quotas fit for one person would refuse most tests (rate-limit
        // tests set their own)
        for (String quota : new String[] {"ANONYMOUS", "AUTHENTICATED", "PREMIUM", "CRITICAL", "UPLOAD",
            "SOCKET_EVENTS"}) {
            env.put("RATE_LIMIT_" + quota, "1000000/1m");
        }
        // a shared, loaded test machine lags and bursts now and then: only shedding tests should see the node shed
        env.put("SHED_EVENT_LOOP_LAG", "30s");
        env.put("SHED_POOL_WAITING", "10000");
        env.put("SHED_QUEUE_DELAY", "0");
        env.putAll(overrides);
        if (!env.containsKey("DATABASE_URL")) {
            env.put("DATABASE_URL", TestPostgres.get().newDatabase());
        }
        return env;
    }

    public static TestNode start() {
        return start(Map.of());
    }

    /** Starts a node with exactly these settings (e.g. those of a node that was stopped). */
    public static TestNode restart(Map<String, String> env) {
        try {
            return new TestNode(Node.start(ConfigLoader.load(env)), Map.copyOf(env));
        } catch (Exception e) {
            throw new IllegalStateException("node did not start: " + e.getMessage(), e);
        }
    }

    public static Path tempDir() {
        try {
            return Files.createTempDirectory("hushryd-node");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ApiClient api() {
        return client;
    }

    public Node node() {
        return node;
    }

    public Map<String, String> settings() {
        return settings;
    }

    /** A phone number no other test has used in this JVM. */
    public static String uniquePhone() {
        return "+9190" + String.format("%08d", PHONES.incrementAndGet() % 100_000_000);
    }

    /** Registers a user of this role and returns its access token and id. */
    public Account register(String role) {
        return register(client, role);
    }

    /** Registers a user of this role through {@code api} and returns its access token and id. */
    public static Account register(ApiClient api, String role) {
        String phone = uniquePhone();
        HttpResult r = api.post("/api/v1/auth/register", null,
                ApiClient.map("phone", phone, "name", role + " " + phone, "password", "password-123", "role", role));
        if (r.status() != 201) {
            throw new IllegalStateException("register failed: " + r);
        }
        return new Account(r.json().path("user").path("id").asText(), phone, r.str("accessToken"));
    }

    /** A trip by this driver departing in {@code days} days with {@code seats} seats. */
    public String createTrip(Account driver, String from, String to, int days, int seats, double price) {
        return createTrip(client, driver, from, to, days, seats, price);
    }

    /** {@link #createTrip(Account, String, String, int, int, double)} through {@code api}. */
    public static String createTrip(ApiClient api, Account driver, String from, String to, int days, int seats,
            double price) {
        HttpResult r = api.post("/api/v1/trips", driver.token(), ApiClient.map(
                "source", ApiClient.map("city", from, "lat", 12.97, "lng", 77.59),
                "destination", ApiClient.map("city", to, "lat", 12.29, "lng", 76.64),
                "departureTime", java.time.OffsetDateTime.now().plusDays(days).toString(),
                "seats", seats, "pricePerSeat", price));
        if (r.status() != 201) {
            throw new IllegalStateException("create trip failed: " + r);
        }
        return r.str("id");
    }

    public record Account(String id, String phone, String token) {
    }

    @Override
    public void close() {
        node.close();
    }
}
