package com.hushryd.app;

import com.hushryd.auth.AdminPolicy;
import com.hushryd.auth.PasswordHasher;
import com.hushryd.auth.TokenService;
import com.hushryd.http.ApiRouter;
import com.hushryd.ops.ClusterRegistry;
import com.hushryd.ops.DatabaseHealth;
import com.hushryd.ops.Lifecycle;
import com.hushryd.ops.Metrics;
import com.hushryd.ops.OpsRoutes;
import com.hushryd.store.DataDirLock;
import com.hushryd.store.Database;
import com.hushryd.store.DatabaseUrl;
import com.hushryd.store.EmbeddedPostgresServer;
import com.hushryd.store.PoolMonitor;
import com.hushryd.trips.TripRoutes;
import com.hushryd.trips.TripService;
import com.hushryd.users.UserRoutes;
import com.hushryd.users.UserService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: the only place that reads the configuration, picks a backend for each port, wires the
 * capabilities together, and tears them down in reverse order on a graceful stop.
 */
public final class Node implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Node.class);

    private final Config config;
    private final Clock clock = Clock.systemUTC();
    private final Lifecycle lifecycle = new Lifecycle();
    private final String version = Version.current();

    private DataDirLock dataDirLock;
    private EmbeddedPostgresServer embeddedPostgres;
    private Metrics metrics;
    private Database database;
    private Vertx vertx;
    private WorkerExecutor workers;
    private HttpServer server;
    private ClusterRegistry cluster;
    private UserService users;
    private ApiRouter api;
    private boolean closed;

    private Node(Config config) {
        this.config = config;
    }

    /** Starts a node and returns once it listens and reports ready; on failure everything started is stopped. */
    public static Node start(Config config) throws Exception {
        Node node = new Node(config);
        try {
            node.startAll();
        } catch (Exception | Error e) {
            node.close();
            throw e;
        }
        return node;
    }

    private void startAll() throws Exception {
        long t0 = System.nanoTime();
        log.info("starting HushRyd {} node {}", version, config.nodeId());
        log.info("configuration: {}", config.describe());
        Files.createDirectories(config.dataDir());

        DatabaseUrl url = openStorage();
        metrics = new Metrics(config.nodeId());
        database = Database.connect(url, new Database.Settings(config.dbPoolMax(), config.dbPoolMin(),
                config.dbPoolTimeout(), config.dbQueryTimeout(), "hushryd-" + config.nodeId()), metrics.pool());
        database.migrate();

        String secret = config.jwtSecret().orElse(null);
        if (secret == null) {
            secret = SecretFile.loadOrCreate(config.dataDir().resolve("jwt-secret"));
            log.warn("JWT_SECRET is not set: using the secret generated in {}; every node of a cluster must share "
                    + "one JWT_SECRET", config.dataDir().resolve("jwt-secret"));
        }
        TokenService tokens = new TokenService(secret, config.jwtPreviousSecret().orElse(null), config.jwtTtl(), clock);
        users = new UserService(database, new PasswordHasher(config.bcryptCost()), tokens, clock);
        TripService trips = new TripService(database, clock);
        if (config.adminPhone().isPresent()) {
            try {
                users.ensureAdmin(config.adminPhone().get(), config.adminPassword().orElseThrow(), "Administrator");
            } catch (com.hushryd.http.ApiException e) {
                throw new ConfigException("ADMIN_PHONE/ADMIN_PASSWORD: " + e.getMessage());
            }
        }
        logUnusedBackends();

        vertx = Vertx.vertx(new VertxOptions());
        workers = vertx.createSharedWorkerExecutor("hushryd-worker", config.httpWorkerThreads(), 60, TimeUnit.SECONDS);
        api = new ApiRouter(vertx, workers, tokens, new AdminPolicy(config.adminAllowedCidrs()),
                metrics.http(), config.httpBodyLimit(), config.accessLog());
        UserRoutes.register(api, users);
        TripRoutes.register(api, trips);
        cluster = new ClusterRegistry(database, config.nodeId(), version, clock);
        OpsRoutes.register(api, workers, lifecycle,
                List.of(new DatabaseHealth(database, embeddedPostgres != null ? "embedded" : "external")),
                metrics, cluster, config.nodeId(), version);

        server = vertx.createHttpServer(new HttpServerOptions()
                        .setHost(config.host())
                        .setPort(config.port())
                        .setAcceptBacklog(8192)
                        // h2c upgrades break the graceful drain (GOAWAY fails the upgraded stream); see decision 0001
                        .setHttp2ClearTextEnabled(false)
                        .setIdleTimeout(120)
                        .setIdleTimeoutUnit(TimeUnit.SECONDS))
                .requestHandler(api.router());
        await(server.listen(), Duration.ofSeconds(30));
        cluster.announce(config.host() + ":" + server.actualPort());
        cluster.heartbeat();
        startPeriodicTasks();
        lifecycle.ready();
        log.info("HushRyd node {} ready on http://{}:{} ({} ms)", config.nodeId(), config.host(),
                server.actualPort(), (System.nanoTime() - t0) / 1_000_000);
    }

    private DatabaseUrl openStorage() throws Exception {
        if (config.database().isPresent()) {
            DatabaseUrl url = config.database().get();
            log.info("storage: external PostgreSQL {}", url.redacted());
            return url;
        }
        dataDirLock = DataDirLock.tryAcquire(config.dataDir()).orElseThrow(() -> new IllegalStateException(
                "DATA_DIR " + config.dataDir() + " is in use by another HushRyd process; give each node its own "
                        + "DATA_DIR, or share one PostgreSQL through DATABASE_URL"));
        embeddedPostgres = EmbeddedPostgresServer.start(config.dataDir());
        log.info("storage: embedded PostgreSQL in {} on 127.0.0.1:{} (set DATABASE_URL to use a server of your own)",
                embeddedPostgres.directory(), embeddedPostgres.port());
        return embeddedPostgres.url();
    }

    private void logUnusedBackends() {
        config.redis().ifPresent(r -> log.info("redis: {} configured; no port of this version uses it yet", r));
        log.info("jobs: QUEUE_TYPE={} accepted; the job queue is not part of this version yet",
                config.queueType().name().toLowerCase());
    }

    private void startPeriodicTasks() {
        PoolMonitor poolMonitor = new PoolMonitor(database::poolStats, 6);
        vertx.setPeriodic(5_000, id -> poolMonitor.check());
        vertx.setPeriodic(ClusterRegistry.HEARTBEAT.toMillis(), id -> workers.executeBlocking(() -> {
            cluster.heartbeat();
            return null;
        }, false).onFailure(e -> log.warn("cluster heartbeat failed: {}", e.getMessage())));
    }

    public int port() {
        return server.actualPort();
    }

    public Config config() {
        return config;
    }

    public UserService users() {
        return users;
    }

    public Database database() {
        return database;
    }

    /** The API endpoints this node serves, as registered (the OpenAPI document must list exactly these). */
    public List<ApiRouter.Endpoint> endpoints() {
        return api.endpoints();
    }

    public com.hushryd.ops.Lifecycle.State lifecycleState() {
        return lifecycle.state();
    }

    /** Graceful stop: report not ready, stop accepting, drain in-flight requests (bounded), then close everything. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        lifecycle.stopping();
        if (server != null) {
            log.info("shutting down: draining in-flight requests for up to {}s", config.shutdownTimeout().toSeconds());
            quietly("HTTP drain", () -> await(server.shutdown(config.shutdownTimeout().toMillis(),
                    TimeUnit.MILLISECONDS), config.shutdownTimeout().plusSeconds(5)));
        }
        if (cluster != null && database != null) {
            quietly("cluster leave", cluster::leave);
        }
        if (vertx != null) {
            quietly("vert.x", () -> await(vertx.close(), Duration.ofSeconds(10)));
        }
        if (database != null) {
            quietly("database pool", database::close);
        }
        if (embeddedPostgres != null) {
            quietly("embedded PostgreSQL", embeddedPostgres::close);
        }
        if (dataDirLock != null) {
            quietly("data directory lock", dataDirLock::close);
        }
        if (metrics != null) {
            metrics.close();
        }
        log.info("HushRyd node {} stopped", config.nodeId());
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void quietly(String what, Step step) {
        try {
            step.run();
        } catch (Exception e) {
            log.warn("while stopping {}: {}", what, e.toString());
        }
    }

    private static <T> T await(Future<T> future, Duration timeout) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
