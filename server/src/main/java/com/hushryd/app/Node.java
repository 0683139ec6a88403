package com.hushryd.app;

import com.hushryd.auth.AdminPolicy;
import com.hushryd.chat.ChatRoutes;
import com.hushryd.chat.ChatService;
import com.hushryd.chat.RecentMessages;
import com.hushryd.chat.memory.MemoryRecentMessages;
import com.hushryd.chat.redis.RedisRecentMessages;
import com.hushryd.ops.RealtimeHealth;
import com.hushryd.realtime.Broker;
import com.hushryd.realtime.PresenceStore;
import com.hushryd.realtime.RealtimeApp;
import com.hushryd.realtime.RealtimeGateway;
import com.hushryd.realtime.engineio.EngineOptions;
import com.hushryd.realtime.engineio.EngineServer;
import com.hushryd.realtime.memory.InProcessBroker;
import com.hushryd.realtime.memory.MemoryPresenceStore;
import com.hushryd.realtime.redis.RedisBroker;
import com.hushryd.realtime.redis.RedisPresenceStore;
import com.hushryd.realtime.socketio.SocketIoServer;
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
    private HttpServers servers;
    private EngineServer engine;
    private Broker broker;
    private PresenceStore presence;
    private RecentMessages recentMessages;
    private RealtimeGateway gateway;
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

        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(config.eventLoops()));
        workers = vertx.createSharedWorkerExecutor("hushryd-worker", config.httpWorkerThreads(), 60, TimeUnit.SECONDS);
        api = new ApiRouter(vertx, workers, tokens, new AdminPolicy(config.adminAllowedCidrs()),
                metrics.http(), config.httpBodyLimit(), config.accessLog());
        UserRoutes.register(api, users);
        TripRoutes.register(api, trips);

        SocketIoServer io = new SocketIoServer(Duration.ofSeconds(45));
        engine = new EngineServer(new EngineOptions(config.realtimePingInterval(), config.realtimePingTimeout(),
                config.realtimeMaxPayload(), config.realtimeMaxBuffered(), Duration.ofSeconds(10),
                config.realtimeCorsOrigins()), io);
        if (config.redis().isPresent()) {
            broker = new RedisBroker(config.redis().get(), config.nodeId());
            presence = new RedisPresenceStore(config.redis().get(), config.nodeId(), config.presenceTtl(), clock);
            recentMessages = new RedisRecentMessages(config.redis().get(), config.nodeId());
            log.info("realtime: broker, presence and recent chat messages in Redis {}", config.redis().get());
        } else {
            broker = new InProcessBroker(new InProcessBroker.Hub(), config.nodeId());
            presence = new MemoryPresenceStore(config.presenceTtl(), clock);
            recentMessages = new MemoryRecentMessages(10_000);
            log.info("realtime: in-process broker, presence and chat cache (single node; set REDIS_URL to scale out)");
        }
        gateway = new RealtimeGateway(io, engine, broker, config.nodeId());
        ChatService chat = new ChatService(database, recentMessages, presence, gateway, clock);
        RealtimeApp realtime = new RealtimeApp(vertx, workers, tokens, presence, gateway, config.nodeId(), clock);
        realtime.addInterest(user -> chat.openConversations(user).stream().map(ChatService::room).toList());
        realtime.install(io.namespace("/"));
        ChatRoutes.register(io.namespace("/"), chat, workers);
        ChatRoutes.register(api, chat);
        trips.onBooked(b -> {
            String room = ChatService.room(b.id());
            gateway.socketsJoin(RealtimeGateway.userRoom(b.passengerId()), room);
            gateway.socketsJoin(RealtimeGateway.userRoom(b.trip().driverId()), room);
        });

        cluster = new ClusterRegistry(database, config.nodeId(), version, clock);
        cluster.reportStats(gateway::connectionStats);
        OpsRoutes.register(api, workers, lifecycle,
                List.of(new DatabaseHealth(database, embeddedPostgres != null ? "embedded" : "external"),
                        new RealtimeHealth(gateway)),
                metrics, cluster, config.nodeId(), version);

        HttpServerOptions options = new HttpServerOptions()
                .setHost(config.host())
                .setPort(config.port())
                .setAcceptBacklog(8192)
                .setIdleTimeout(120)
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setMaxWebSocketFrameSize(config.realtimeMaxPayload())
                .setMaxWebSocketMessageSize(config.realtimeMaxPayload())
                // h2c upgrades break the graceful drain (GOAWAY fails the upgraded stream); see decision 0001
                .setHttp2ClearTextEnabled(false);
        servers = await(HttpServers.start(vertx, config.eventLoops(), options, req -> {
            if (req.path().startsWith(EngineOptions.PATH) || req.path().equals("/socket.io")) {
                engine.handle(req);
            } else {
                api.router().handle(req);
            }
        }), Duration.ofSeconds(30));
        realtime.startHeartbeat(config.presenceTtl());
        cluster.announce(config.host() + ":" + servers.port());
        cluster.heartbeat();
        startPeriodicTasks();
        lifecycle.ready();
        log.info("HushRyd node {} ready on http://{}:{} with {} event loops ({} ms)", config.nodeId(), config.host(),
                servers.port(), servers.instances(), (System.nanoTime() - t0) / 1_000_000);
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
        return servers.port();
    }

    public RealtimeGateway gateway() {
        return gateway;
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
        if (servers != null) {
            log.info("shutting down: draining in-flight requests for up to {}s", config.shutdownTimeout().toSeconds());
            Future<Void> drained = servers.shutdown(config.shutdownTimeout().toMillis());
            // long-polls and WebSockets never finish on their own: close them so clients reconnect elsewhere
            engine.closeAll("server shutting down");
            quietly("HTTP drain", () -> await(drained, config.shutdownTimeout().plusSeconds(5)));
        }
        if (cluster != null && database != null) {
            quietly("cluster leave", cluster::leave);
        }
        if (vertx != null) {
            quietly("vert.x", () -> await(vertx.close(), Duration.ofSeconds(10)));
        }
        if (broker != null) {
            quietly("realtime broker", broker::close);
        }
        if (presence != null) {
            quietly("presence", presence::close);
        }
        if (recentMessages instanceof RedisRecentMessages r) {
            quietly("chat cache", r::close);
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
