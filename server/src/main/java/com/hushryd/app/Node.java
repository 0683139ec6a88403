package com.hushryd.app;

import com.hushryd.auth.AdminPolicy;
import com.hushryd.auth.Revocations;
import com.hushryd.cache.RemoteCache;
import com.hushryd.cache.TwoLevelCache;
import com.hushryd.cache.redis.RedisRemoteCache;
import com.hushryd.protect.Protection;
import com.hushryd.protect.ProtectionSettings;
import com.hushryd.protect.breaker.BreakerHealth;
import com.hushryd.protect.breaker.Breakers;
import com.hushryd.protect.ratelimit.ClientIp;
import com.hushryd.protect.ratelimit.FailoverRateLimiter;
import com.hushryd.protect.ratelimit.LocalRateLimiter;
import com.hushryd.protect.ratelimit.RateLimitPolicy;
import com.hushryd.protect.ratelimit.RateLimiter;
import com.hushryd.protect.ratelimit.RedisRateLimiter;
import com.hushryd.protect.shedding.EventLoopProbe;
import com.hushryd.protect.shedding.LoadShedder;
import com.hushryd.users.AdminUserRoutes;
import com.hushryd.users.SessionRoutes;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import com.hushryd.chat.ChatRoutes;
import com.hushryd.idempotency.IdempotencyKeys;
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
import com.hushryd.realtime.socketio.Namespace;
import com.hushryd.realtime.socketio.SocketIoServer;
import com.hushryd.auth.PasswordHasher;
import com.hushryd.auth.TokenService;
import com.hushryd.http.ApiRouter;
import com.hushryd.http.Json;
import com.hushryd.jobs.BuiltinJobs;
import com.hushryd.jobs.JobHandlers;
import com.hushryd.jobs.JobMetrics;
import com.hushryd.jobs.JobProducer;
import com.hushryd.jobs.JobQueue;
import com.hushryd.jobs.JobQueueHealth;
import com.hushryd.jobs.JobRoutes;
import com.hushryd.jobs.QueueMonitor;
import com.hushryd.jobs.QueueSettings;
import com.hushryd.jobs.Worker;
import com.hushryd.jobs.outbox.OutboxRelay;
import com.hushryd.jobs.postgres.PgLedger;
import com.hushryd.jobs.postgres.PgNotifier;
import com.hushryd.jobs.postgres.PgRateGate;
import com.hushryd.jobs.postgres.PostgresJobQueue;
import com.hushryd.jobs.rabbitmq.RabbitJobQueue;
import com.hushryd.jobs.redis.RedisJobQueue;
import com.hushryd.notify.Channel;
import com.hushryd.notify.DevOutbox;
import com.hushryd.notify.Notifications;
import com.hushryd.notify.NotifyHealth;
import com.hushryd.notify.NotifyRoutes;
import com.hushryd.notify.ProviderEndpoint;
import com.hushryd.sos.SosJobs;
import com.hushryd.sos.SosRoutes;
import com.hushryd.sos.SosService;
import com.hushryd.sos.SosTracker;
import com.hushryd.store.RedisConnector;
import com.hushryd.store.RedisUrl;
import com.hushryd.ops.ClusterRegistry;
import com.hushryd.ops.DatabaseHealth;
import com.hushryd.ops.Lifecycle;
import com.hushryd.ops.Metrics;
import com.hushryd.ops.OpenFiles;
import com.hushryd.ops.OpsRoutes;
import com.hushryd.store.ClusterSecrets;
import com.hushryd.store.DataDirLock;
import com.hushryd.store.Database;
import com.hushryd.store.DatabaseUrl;
import com.hushryd.store.EmbeddedPostgresServer;
import com.hushryd.store.PoolMonitor;
import com.hushryd.store.replica.ReadMarks;
import com.hushryd.store.replica.ReadRouter;
import com.hushryd.store.replica.Replica;
import com.hushryd.store.replica.memory.MemoryReadMarks;
import com.hushryd.store.replica.redis.RedisReadMarks;
import com.hushryd.trips.TripRoutes;
import com.hushryd.trips.TripService;
import com.hushryd.uploads.DocumentInspector;
import com.hushryd.uploads.DocumentProcessor;
import com.hushryd.uploads.DocumentRoutes;
import com.hushryd.uploads.DocumentService;
import com.hushryd.uploads.ObjectStore;
import com.hushryd.uploads.ObjectStoreException;
import com.hushryd.uploads.UploadSettings;
import com.hushryd.uploads.local.LocalObjectStore;
import com.hushryd.uploads.local.LocalUploadReceiver;
import com.hushryd.uploads.s3.S3ObjectStore;
import com.hushryd.users.UserRoutes;
import com.hushryd.users.UserService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: the only place that reads the configuration, picks a backend for each port, wires the
 * capabilities together, and tears them down in reverse order on a graceful stop.
 */
public final class Node implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Node.class);
    /** How often each node deletes expired idempotency keys (any node may; a delete is harmless twice). */
    private static final Duration IDEMPOTENCY_PURGE = Duration.ofMinutes(10);

    private final Config config;
    private final Clock clock = Clock.systemUTC();
    private final Lifecycle lifecycle = new Lifecycle();
    private final String version = Version.current();

    private DataDirLock dataDirLock;
    private EmbeddedPostgresServer embeddedPostgres;
    private Metrics metrics;
    private Database database;
    private ReadRouter reads;
    private Vertx vertx;
    private WorkerExecutor workers;
    private HttpServers servers;
    private EngineServer engine;
    private Broker broker;
    private PresenceStore presence;
    private RecentMessages recentMessages;
    private RealtimeGateway gateway;
    private Namespace sockets;
    private com.hushryd.location.LocationStore locationStore;
    private com.hushryd.location.LocationHistory locationHistory;
    private final com.hushryd.realtime.InAppDelivery inApp = new com.hushryd.realtime.InAppDelivery();
    private Broker workerBroker;
    private com.hushryd.realtime.socketio.Recovery recovery;
    private ClusterRegistry cluster;
    private UserService users;
    private ApiRouter api;
    private PgNotifier notifier;
    private PgLedger ledger;
    private JobQueue jobQueue;
    private OutboxRelay outboxRelay;
    private JobProducer jobProducer;
    private QueueMonitor queueMonitor;
    private Worker worker;
    private Notifications notifications;
    private JobHandlers jobHandlers;
    private SosJobs sosJobs;
    private SosTracker sosTracker;
    private SosService sos;
    private IdempotencyKeys idempotencyKeys;
    private com.hushryd.safety.SafetyChecks safetyChecks;
    private com.hushryd.share.ShareLinks shareLinks;
    private com.hushryd.safety.SafetyMonitor safetyMonitor;
    private ObjectStore objectStore;
    private LocalUploadReceiver uploadReceiver;
    private final boolean serveHttp;
    private boolean closed;
    private final Breakers breakers = new Breakers();
    private CircuitBreaker redisBreaker;
    private RateLimiter rateLimiter;
    private RemoteCache remoteCache;
    private TwoLevelCache cache;
    private EventLoopProbe eventLoopProbe;
    private LoadShedder shedder;

    private Node(Config config, boolean serveHttp) {
        this.config = config;
        this.serveHttp = serveHttp;
    }

    /** Starts a node and returns once it listens and reports ready; on failure everything started is stopped. */
    public static Node start(Config config) throws Exception {
        Node node = new Node(config, true);
        try {
            node.startAll();
        } catch (Exception | Error e) {
            node.close();
            throw e;
        }
        return node;
    }

    /**
     * Starts a worker process ({@code hushryd worker}): storage and the job queues, and workers for
     * {@code WORKER_QUEUES}; no HTTP. On the embedded database it joins the one a running node started.
     */
    public static Node startWorker(Config config) throws Exception {
        Node node = new Node(config, false);
        try {
            node.startWorkerOnly();
        } catch (Exception | Error e) {
            node.close();
            throw e;
        }
        return node;
    }

    private void startWorkerOnly() throws Exception {
        log.info("starting HushRyd {} worker {}", version, config.nodeId());
        log.info("configuration: {}", config.describe());
        Files.createDirectories(config.dataDir());
        DatabaseUrl url = config.database().isPresent() ? openStorage() : EmbeddedPostgresServer
                .running(config.dataDir()).map(u -> {
                    log.info("storage: the embedded PostgreSQL of the node running on {}", config.dataDir());
                    return u;
                }).orElseGet(() -> {
                    try {
                        return openStorage();
                    } catch (Exception e) {
                        throw new IllegalStateException(e.getMessage(), e);
                    }
                });
        metrics = new Metrics(config.nodeId());
        database = Database.connect(url, new Database.Settings(config.dbPoolMax(), config.dbPoolMin(),
                config.dbPoolTimeout(), config.dbQueryTimeout(), "hushryd-worker-" + config.nodeId()), metrics.pool());
        database.migrate();
        openJobs();
        if (worker == null) {
            throw new ConfigException("WORKER_QUEUES: a worker needs at least one queue (--queues a,b)");
        }
        lifecycle.ready();
        log.info("HushRyd worker {} ready", config.nodeId());
    }

    /**
     * The job queue backend of QUEUE_TYPE, the outbox relay (Redis, RabbitMQ), the notification channels, the queue
     * monitor and, when WORKER_QUEUES names any, this process's workers.
     */
    private void openJobs() {
        notifier = new PgNotifier(database);
        ledger = new PgLedger(database, config.nodeId());
        switch (config.queueType()) {
            case POSTGRES -> {
                jobQueue = new PostgresJobQueue(database, notifier, ledger, config.nodeId(), config.jobLease());
                log.info("jobs: PostgreSQL queues in the node's database (FOR UPDATE SKIP LOCKED, LISTEN/NOTIFY)");
            }
            case REDIS -> {
                RedisUrl redis = config.redis().orElseThrow();
                RedisJobQueue q = new RedisJobQueue(redis, "hushryd:", config.nodeId(), config.jobLease());
                jobQueue = q;
                outboxRelay = new OutboxRelay(database, q, notifier);
                log.info("jobs: Redis queues at {} (Lua scripts, one hash tag per queue); transactional enqueue "
                        + "through the PostgreSQL outbox", redis);
            }
            case RABBITMQ -> {
                String url = config.rabbitmqUrl().orElseThrow();
                RabbitJobQueue q = new RabbitJobQueue(url, "hushryd.", database, ledger, config.nodeId());
                jobQueue = q;
                outboxRelay = new OutboxRelay(database, q, notifier);
                log.info("jobs: RabbitMQ queues at {} (publisher confirms, manual acks, TTL delay queues); "
                        + "transactional enqueue through the PostgreSQL outbox", url.replaceAll("//[^@/]*@", "//***@"));
            }
        }
        JobMetrics jobMetrics = metrics.jobs();
        jobProducer = new JobProducer(jobQueue, config.queueDepthWarn(), jobMetrics);
        DevOutbox devOutbox = new DevOutbox(database);
        if (serveHttp) {
            // in-app notifications reach sockets through this node's gateway (attached once it exists)
            notifications = new Notifications(jobProducer, config.notifications(), devOutbox, inApp);
        } else if (config.redis().isPresent()) {
            workerBroker = new com.hushryd.realtime.redis.RedisBroker(config.redis().get(), config.nodeId(),
                    config.realtimeOutageHold());
            if (!config.realtimeRecoveryWindow().isZero()) {
                // notifications sent from here are numbered too, so that a reconnecting client recovers them
                ((com.hushryd.realtime.redis.RedisBroker) workerBroker).numberBroadcasts(
                        config.realtimeRecoveryHistory(), config.realtimeRecoveryWindow());
            }
            inApp.attach(workerBroker);
            notifications = new Notifications(jobProducer, config.notifications(), devOutbox, inApp);
        } else {
            notifications = new Notifications(jobProducer, config.notifications(), devOutbox, devOutbox);
        }
        for (Channel ch : Channel.values()) {
            List<ProviderEndpoint> providers = config.notifications().of(ch);
            log.info("notify: {} via {}", ch.label(), ch == Channel.IN_APP
                    ? (serveHttp || workerBroker != null ? "the realtime gateway (event 'notification' to user:{id})"
                            : "the development outbox (a worker without REDIS_URL cannot reach sockets)")
                    : providers.isEmpty() ? "the development outbox (no provider configured)" : providers);
        }
        JobHandlers handlers = new JobHandlers();
        BuiltinJobs.register(handlers, database);
        notifications.register(handlers);
        try {
            shareLinks = new com.hushryd.share.ShareLinks(sharedSecret("share-secret"),
                    config.uploads().publicUrl().map(java.net.URI::toString));
        } catch (java.io.IOException | java.sql.SQLException e) {
            throw new IllegalStateException("cannot read the share-link secret: " + e.getMessage(), e);
        }
        sosJobs = new SosJobs(database, jobProducer, notifications, inApp::deliverToRoom, config.sos(), clock,
                shareLinks);
        sosJobs.register(handlers);
        safetyChecks = new com.hushryd.safety.SafetyChecks(database, jobProducer, notifications, inApp::deliverToRoom,
                new com.hushryd.sos.SosRaiser(sosJobs, config.sos(), clock), config.safety().checkDeadline(), clock);
        safetyChecks.register(handlers);
        objectStore = openObjectStore();
        new DocumentProcessor(database, objectStore, notifications,
                new DocumentInspector(DocumentInspector.Limits.of(config.uploads().maxSize())), metrics.uploads(),
                clock).register(handlers);
        jobHandlers = handlers;
        List<String> builtIn = builtInQueues();
        List<QueueSettings> queues = config.workerQueues().resolve(builtIn, config.workerConcurrency());
        // the queues an admin may enqueue into and sees listed: the built-in ones and those this node works on
        List<String> known = new ArrayList<>(builtIn);
        queues.stream().map(QueueSettings::queue).filter(q -> !known.contains(q)).forEach(known::add);
        queueMonitor = new QueueMonitor(jobQueue, known, jobProducer, config.queueDepthWarn(), jobMetrics);
        notifier.start();
        if (outboxRelay != null) {
            outboxRelay.start();
        }
        queueMonitor.start();
        if (!queues.isEmpty()) {
            worker = new Worker(jobQueue, handlers, queues, config.jobLease(), jobMetrics, config.nodeId(),
                    new PgRateGate(database)).start();
            log.info("jobs: working on {}", queues.stream().map(q -> q.queue() + " (" + q.concurrency() + " at once"
                    + (q.ratePerMinute() > 0 ? ", " + q.ratePerMinute() + "/min" : "") + ")").toList());
        } else {
            log.info("jobs: this process runs no workers (WORKER_QUEUES=none); run ./hushryd worker --queues ...");
        }
    }

    /** The object store of OBJECT_STORE: files under DATA_DIR uploaded through this node, or an S3 bucket. */
    /** The queues {@code WORKER_QUEUES=all} works on: every queue the node's own features enqueue into. */
    static List<String> builtInQueues() {
        List<String> builtIn = new ArrayList<>();
        builtIn.add(BuiltinJobs.QUEUE);
        builtIn.add(SosJobs.QUEUE);
        builtIn.add(com.hushryd.safety.SafetyChecks.QUEUE);
        builtIn.addAll(Notifications.queues());
        builtIn.add(DocumentService.QUEUE);
        return builtIn;
    }

    private ObjectStore openObjectStore() {
        UploadSettings u = config.uploads();
        if (u.store() == UploadSettings.Store.S3) {
            S3ObjectStore s3 = new S3ObjectStore(u.s3().orElseThrow(), clock);
            try {
                s3.checkBucket();
                log.info("uploads: S3 {}; clients upload straight to it with presigned URLs", u.s3().get());
            } catch (ObjectStoreException e) {
                log.warn("uploads: S3 {} does not answer yet ({}); uploads fail until it does", u.s3().get(),
                        e.getMessage());
            }
            return s3;
        }
        try {
            byte[] secret = sharedSecret("upload-secret").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            LocalObjectStore local = new LocalObjectStore(config.dataDir().resolve("objects"), secret, u.publicUrl(),
                    clock);
            log.info("uploads: local object store in {} (clients PUT to this node at {}...; single node: set "
                    + "OBJECT_STORE=s3 for a cluster)", local.root(), LocalUploadReceiver.PATH);
            return local;
        } catch (java.io.IOException | java.sql.SQLException e) {
            throw new IllegalStateException("cannot open the local object store: " + e.getMessage(), e);
        }
    }

    /**
     * A generated secret every process on this database shares (decision 0046): the one a node stored there first,
     * or, on a database that has none yet, the one an earlier version kept in {@code DATA_DIR/name}, else a new one.
     */
    private String sharedSecret(String name) throws java.io.IOException, java.sql.SQLException {
        Path legacy = config.dataDir().resolve(name);
        String candidate = SecretFile.read(legacy).orElseGet(ClusterSecrets::random);
        String secret = new ClusterSecrets(database).getOrStore(name, candidate);
        if (Files.exists(legacy) && !secret.equals(candidate)) {
            log.warn("{} differs from the {} the nodes on this database share; the shared one is used", legacy, name);
        }
        return secret;
    }

    private void startAll() throws Exception {
        long t0 = System.nanoTime();
        log.info("starting HushRyd {} node {}", version, config.nodeId());
        log.info("configuration: {}", config.describe());
        Files.createDirectories(config.dataDir());

        DatabaseUrl url = openStorage();
        metrics = new Metrics(config.nodeId());
        ProtectionSettings protection = config.protection();
        database = Database.connect(url, new Database.Settings(config.dbPoolMax(), config.dbPoolMin(),
                config.dbPoolTimeout(), config.dbQueryTimeout(), "hushryd-" + config.nodeId()), metrics.pool(),
                protection.criticalPool(), breakers.create("postgresql", protection.database(), Database::unavailable, () -> database.ping()));
        database.migrate();
        openReadReplicas(protection);
        openProtection(protection);

        String secret = config.jwtSecret().orElse(null);
        if (secret == null) {
            secret = sharedSecret("jwt-secret");
            log.info("JWT_SECRET is not set: tokens are signed with the secret generated once and kept in the "
                    + "database, shared by every node on it (set JWT_SECRET to choose one)");
        }
        TokenService tokens = new TokenService(secret, config.jwtPreviousSecret().orElse(null), config.jwtTtl(), clock);
        users = new UserService(database, new PasswordHasher(config.bcryptCost()), tokens, clock);
        TripService trips = new TripService(database, clock);
        users.useCache(cache, protection.profileTtl());
        users.useReplicas(reads);
        trips.useReplicas(reads);
        trips.useCache(cache, protection.tripTtl(), protection.searchTtl());
        users.onProfileChanged(trips::driverChanged);
        users.onDeleted(trips::accountDeleted);
        Revocations revocations = new Revocations(database, cache, protection.sessionTtl(), clock);
        if (config.adminPhone().isPresent()) {
            try {
                users.ensureAdmin(config.adminPhone().get(), config.adminPassword().orElseThrow(), "Administrator");
            } catch (com.hushryd.http.ApiException e) {
                throw new ConfigException("ADMIN_PHONE/ADMIN_PASSWORD: " + e.getMessage());
            }
        }
        openJobs();

        // no classpath resolving for file operations: the local object store's files are plain paths, and Vert.x's
        // classpath cache directory (in /tmp, which cleaners may empty) must not be able to fail them
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(config.eventLoops()).setFileSystemOptions(
                new io.vertx.core.file.FileSystemOptions().setClassPathResolvingEnabled(false)
                        .setFileCachingEnabled(false)));
        workers = vertx.createSharedWorkerExecutor("hushryd-worker", config.httpWorkerThreads(), 60, TimeUnit.SECONDS);
        api = new ApiRouter(vertx, workers, tokens, new AdminPolicy(config.adminAllowedCidrs()),
                metrics.http(), config.httpBodyLimit(), config.httpBodyTimeout(), config.accessLog());
        shedder = new LoadShedder(protection.shedding(), () -> database.poolStats().waiting());
        eventLoopProbe = new EventLoopProbe(vertx, shedder::observe);
        WorkerExecutor criticalWorkers = vertx.createSharedWorkerExecutor("hushryd-critical",
                protection.criticalThreads(), 60, TimeUnit.SECONDS);
        api.protect(new Protection(shedder, rateLimiter, rateLimitPolicy(protection), metrics.protect()), revocations,
                criticalWorkers);
        UserRoutes.register(api, users);
        SessionRoutes.register(api, users, revocations);
        AdminUserRoutes.register(api, users, revocations);
        idempotencyKeys = new IdempotencyKeys(database, config.idempotencyTtl(), clock);
        TripRoutes.register(api, trips, idempotencyKeys);

        SocketIoServer io = new SocketIoServer(Duration.ofSeconds(45));
        engine = new EngineServer(new EngineOptions(config.realtimePingInterval(), config.realtimePingTimeout(),
                config.realtimeMaxPayload(), config.realtimeMaxBuffered(), Duration.ofSeconds(10),
                config.realtimeCorsOrigins(), config.httpBodyTimeout(), config.route().orElse("")), io);
        boolean recover = !config.realtimeRecoveryWindow().isZero();
        java.util.function.Function<Object, String> owner = user -> ((com.hushryd.auth.Principal) user).userId()
                .toString();
        if (config.redis().isPresent()) {
            RedisBroker redisBroker = new RedisBroker(config.redis().get(), config.nodeId(),
                    config.realtimeOutageHold());
            broker = redisBroker;
            if (recover) {
                recovery = new com.hushryd.realtime.redis.RedisRecovery(config.redis().get(), redisBroker, owner,
                        config.realtimeRecoveryWindow(), config.realtimeRecoveryHistory());
            }
            presence = new RedisPresenceStore(config.redis().get(), config.nodeId(), config.presenceTtl(), clock);
            recentMessages = new RedisRecentMessages(config.redis().get(), config.nodeId());
            log.info("realtime: broker ({} channels), presence and recent chat messages in Redis {}{}",
                    redisBroker.sharded() ? "sharded" : "classic", config.redis().get(),
                    config.redis().get().cluster() ? " (Redis Cluster)" : "");
        } else {
            InProcessBroker.Hub hub = new InProcessBroker.Hub();
            broker = new InProcessBroker(hub, config.nodeId());
            if (recover) {
                recovery = new com.hushryd.realtime.memory.MemoryRecovery(hub, owner, config.realtimeRecoveryWindow(),
                        config.realtimeRecoveryHistory(), clock);
            }
            presence = new MemoryPresenceStore(config.presenceTtl(), clock);
            recentMessages = new MemoryRecentMessages(10_000);
            log.info("realtime: in-process broker, presence and chat cache (single node; set REDIS_URL to scale out)");
        }
        gateway = new RealtimeGateway(io, engine, broker, config.nodeId());
        metrics.gauge("hushryd.realtime.broker.held", "broadcasts and commands waiting for the broker's engine (Redis) "
                + "to return", () -> broker.stats().held());
        metrics.gauge("hushryd.realtime.broker.dropped", "broadcasts and commands that never reached the other nodes",
                () -> broker.stats().dropped());
        inApp.attach(gateway);
        ChatService chat = new ChatService(database, recentMessages, presence, gateway, clock);
        chat.useReplicas(reads);
        RealtimeApp realtime = new RealtimeApp(vertx, workers, tokens, revocations, presence, gateway,
                config.nodeId(), clock);
        realtime.addInterest(user -> chat.openConversations(user).stream().map(ChatService::room).toList());
        sockets = io.namespace("/");
        realtime.install(io.namespace("/"));
        io.namespace("/").recovery(recovery);
        revocations.onChange(realtime::recheckSessions);
        if (config.protection().rateLimits() != null) {
            io.namespace("/").guardEvents(RealtimeApp.eventBudget(config.protection().rateLimits().socketEvents(),
                    metrics.protect()));
        }
        ChatRoutes.register(io.namespace("/"), chat, workers);
        ChatRoutes.register(api, chat, idempotencyKeys);
        if (config.redis().isPresent()) {
            // while Redis is unreachable, tracking goes on with this node's own copy (decision 0016)
            locationStore = new com.hushryd.location.FailoverLocationStore(
                    new com.hushryd.location.redis.RedisLocationStore(config.redis().get(), config.nodeId(),
                            config.locationTtl(), clock),
                    new com.hushryd.location.memory.MemoryLocationStore(config.locationTtl(), clock),
                    l -> com.hushryd.location.LocationService.broadcast(gateway, l, Json.write(l)).remote());
        } else {
            locationStore = new com.hushryd.location.memory.MemoryLocationStore(config.locationTtl(), clock);
        }
        if (redisBreaker != null) {
            halfOpenWhenBack(redisBreaker, locationStore);
        }
        locationHistory = new com.hushryd.location.LocationHistory(database, config.locationHistoryBuffer(),
                config.locationHistoryBatch(), config.locationHistoryFlush());
        locationHistory.start();
        com.hushryd.location.LocationService locations = new com.hushryd.location.LocationService(locationStore,
                trips, gateway, locationHistory, users, workers, metrics.location(locationHistory::depth), clock,
                config.locationTtl());
        com.hushryd.location.LocationRoutes.register(api, locations);
        com.hushryd.location.LocationRoutes.register(io.namespace("/"), locations);
        log.info("location: latest locations and the driver geo index {} (TTL {}s); route history batched to "
                + "PostgreSQL every {} ms", config.redis().isPresent() ? "in Redis" : "in this process",
                config.locationTtl().toSeconds(), config.locationHistoryFlush().toMillis());
        sosTracker = new SosTracker(database.critical(), inApp::deliverToRoom);
        sosTracker.start();
        // alerts are written on the database capacity reserved for critical work (DB_CRITICAL_POOL)
        sos = new SosService(database.critical(), sosJobs, sosTracker, inApp::deliverToRoom, metrics.sos(),
                config.sos(), clock, config.dataDir().resolve("sos"));
        locations.onStored(sosTracker::onLocation);
        SosRoutes.register(api, sos);
        SosRoutes.register(io.namespace("/"), sos, workers);
        openSafety(trips, locations, io.namespace("/"));
        com.hushryd.share.ShareRoutes.register(api, new com.hushryd.share.ShareService(database, shareLinks,
                locationStore::latest, rateLimiter, config.share().rateLimit(), config.share().afterEnd(), clock),
                workers);
        log.info("sos: acknowledgement ladder of {} step(s), {} apart: {}, then {} further tier(s), then the last "
                + "tier {} more time(s)", config.sos().steps(), config.sos().escalateAfter(), config.sos().onCallPhone()
                .or(() -> config.sos().onCallEmail()).map(x -> "the on-call contact")
                .orElse("the admins' dashboards (no SOS_ONCALL_PHONE / SOS_ONCALL_EMAIL)"), config.sos().tiers().size(),
                config.sos().repeats());
        trips.onBooked(b -> {
            String room = ChatService.room(b.id());
            gateway.socketsJoin(RealtimeGateway.userRoom(b.passengerId()), room);
            gateway.socketsJoin(RealtimeGateway.userRoom(b.trip().driverId()), room);
        });

        DocumentRoutes.register(api, new DocumentService(database, objectStore, jobProducer, config.uploads(),
                metrics.uploads(), clock), idempotencyKeys);
        if (objectStore instanceof LocalObjectStore local) {
            int abandoned = local.removeAbandonedParts();
            if (abandoned > 0) {
                log.info("uploads: removed {} partial upload(s) a previous run left behind", abandoned);
            }
            uploadReceiver = new LocalUploadReceiver(vertx, local, config.uploads().streams(),
                    config.httpBodyTimeout(), metrics.uploads());
            api.describe(HttpMethod.PUT, LocalUploadReceiver.PATH + "{key}", ApiRouter.Access.PUBLIC);
        }
        JobRoutes.register(api, jobProducer, queueMonitor, jobHandlers);
        NotifyRoutes.register(api, new DevOutbox(database));
        cluster = new ClusterRegistry(database, config.nodeId(), version, clock);
        cluster.reportStats(gateway::connectionStats);
        // health and metrics run on the reserved workers: they must answer while the shared ones are saturated
        OpsRoutes.register(api, criticalWorkers, lifecycle,
                List.of(new DatabaseHealth(database, embeddedPostgres != null ? "embedded" : "external"),
                        new RealtimeHealth(gateway),
                        new com.hushryd.ops.LocationHealth(locationStore.name(), locationHistory),
                        new JobQueueHealth(jobQueue, queueMonitor, config.queueDepthWarn()),
                        new NotifyHealth(notifications),
                        new com.hushryd.uploads.UploadsHealth(objectStore, uploadReceiver),
                        new BreakerHealth(breakers)),
                metrics, cluster, config.nodeId(), version);

        HttpServerOptions options = new HttpServerOptions()
                .setHost(config.host())
                .setPort(config.port())
                .setAcceptBacklog(8192)
                .setIdleTimeout(120)
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setMaxWebSocketFrameSize(config.realtimeMaxPayload())
                .setMaxWebSocketMessageSize(config.realtimeMaxPayload())
                // gzip/deflate for clients that accept it, above a measured size (decision 0064)
                .setCompressionSupported(config.httpCompressionMinSize() >= 0)
                .setCompressionContentSizeThreshold(Math.max(0, config.httpCompressionMinSize()))
                // permessage-deflate only when enabled (Vert.x offers it by default; Socket.IO 4 does not)
                .setPerMessageWebSocketCompressionSupported(config.realtimePerMessageDeflate())
                .setPerFrameWebSocketCompressionSupported(false)
                // h2c upgrades break the graceful drain (GOAWAY fails the upgraded stream); see decision 0001
                .setHttp2ClearTextEnabled(false);
        servers = await(HttpServers.start(vertx, config.eventLoops(), options, req -> {
            if (lifecycle.state() == Lifecycle.State.STOPPING) {
                closeAfterResponse(req);
            }
            if (req.path().startsWith(EngineOptions.PATH) || req.path().equals("/socket.io")) {
                engine.handle(req);
            } else if (uploadReceiver != null && LocalUploadReceiver.handles(req.path())
                    && ApiRouter.wellEncoded(req.uri())) {
                uploadReceiver.handle(req);
            } else {
                api.handle(req);
            }
        }, api::invalidRequest), Duration.ofSeconds(30));
        realtime.startHeartbeat(config.presenceTtl());
        realtime.startSessionSweep(config.protection().sessionTtl());
        cluster.announce(AdvertisedAddress.of(config.advertiseAddress(), config.host(), servers.port()));
        cluster.heartbeat();
        startPeriodicTasks();
        lifecycle.ready();
        log.info("HushRyd node {} ready on http://{}:{} with {} event loops ({} ms)", config.nodeId(), config.host(),
                servers.port(), servers.instances(), (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Check-in routes on every node; the trip safety monitor unless SAFETY_MONITOR=false, fed by the location hot path
     * and by trips starting on this node (issue 18, decision 0054).
     */
    private void openSafety(TripService trips, com.hushryd.location.LocationService locations, Namespace main) {
        com.hushryd.safety.SafetyRoutes.register(api, safetyChecks);
        com.hushryd.safety.SafetyRoutes.register(main, safetyChecks, workers);
        com.hushryd.safety.SafetySettings s = config.safety();
        if (!s.enabled()) {
            log.info("safety: the trip monitor is off on this node (SAFETY_MONITOR=false); check-ins are answered");
            return;
        }
        safetyMonitor = new com.hushryd.safety.SafetyMonitor(database, safetyChecks, locationStore::latest,
                com.hushryd.safety.StraightLineCorridor.source(s.corridorFactor(), s.corridorMinKm()), s,
                config.nodeId(), clock).start();
        locations.onStored(safetyMonitor::onLocation);
        trips.onTransition(safetyMonitor::onTransition);
        log.info("safety: trip monitor on (stop {} s, silence {} s, deviation {} s outside {} x the straight line, "
                + "speed > {} km/h for {} s, end radius {} km); check-ins answered within {} s, else SOS",
                s.stopAfter().toSeconds(), s.silenceAfter().toSeconds(), s.deviationFor().toSeconds(),
                s.corridorFactor(), s.speedLimitKmh(), s.speedFor().toSeconds(), s.endRadiusKm(),
                s.checkDeadline().toSeconds());
    }

    /**
     * When a dependency is reachable again (one of {@code signal}'s connections is back), its open breaker lets a
     * trial call through {@link RedisConnector#SETTLE} later, once every connection of this node had time to
     * reconnect, rather than when its open window ends: recovery within seconds of the return (decision 0032).
     */
    private static void halfOpenWhenBack(CircuitBreaker breaker, com.hushryd.location.LocationStore signal) {
        java.util.concurrent.Executor settled = java.util.concurrent.CompletableFuture.delayedExecutor(
                RedisConnector.SETTLE.toMillis(), TimeUnit.MILLISECONDS);
        signal.onReturn(() -> settled.execute(() -> {
            try {
                if (breaker.getState() == CircuitBreaker.State.OPEN) {
                    breaker.transitionToHalfOpenState();
                }
            } catch (IllegalStateException raced) {
                // it turned half-open by itself meanwhile
            }
        }));
    }

    /**
     * The read replicas of DATABASE_READ_URLS, each with its own pool and breaker, and the read-your-writes marks (in
     * Redis when REDIS_URL is set, so that they hold across nodes); without replicas every read stays on the primary.
     */
    private void openReadReplicas(ProtectionSettings protection) {
        if (config.replicas().urls().isEmpty()) {
            reads = ReadRouter.primaryOnly(database);
            return;
        }
        List<Replica> replicas = new ArrayList<>();
        // a replica that cannot give a connection soon is skipped: the primary serves that read
        Duration wait = config.dbPoolTimeout().compareTo(Duration.ofSeconds(1)) < 0 ? config.dbPoolTimeout()
                : Duration.ofSeconds(1);
        for (int i = 0; i < config.replicas().urls().size(); i++) {
            String name = "replica-" + (i + 1);
            Database[] db = new Database[1];
            CircuitBreaker breaker = breakers.create("postgresql-" + name, protection.database(),
                    Database::unavailable, () -> db[0].ping());
            db[0] = Database.connectReplica(config.replicas().urls().get(i), new Database.Settings(config.dbPoolMax(),
                    Math.min(1, config.dbPoolMin()), wait, config.dbQueryTimeout(), "hushryd-" + config.nodeId() + "-"
                    + name), metrics.pool(), name, breaker);
            replicas.add(new Replica(name, db[0]));
        }
        // a reader who wrote skips shared caches while a page filled from a replica before the write may live
        Duration cacheTtl = protection.tripTtl().compareTo(protection.searchTtl()) > 0 ? protection.tripTtl()
                : protection.searchTtl();
        Duration markTtl = cacheTtl.plus(config.replicas().maxLag()).plus(ReadRouter.CHECK_EVERY)
                .plus(config.dbPoolTimeout()).plus(config.dbQueryTimeout()).plusSeconds(1);
        ReadMarks marks = config.redis().isPresent()
                ? new RedisReadMarks(config.redis().get(), "hushryd:", config.nodeId(), markTtl)
                : new MemoryReadMarks(markTtl, 1_000_000);
        reads = ReadRouter.withReplicas(database, replicas, marks, config.replicas().maxLag(),
                metrics.replicas(replicas));
        log.info("storage: {} read replica(s) {} for searches, trip and booking lists, chat history; out of rotation "
                + "beyond {} ms of lag; read-your-writes marks {} for {} s ({})",
                replicas.size(), config.replicas().urls().stream().map(DatabaseUrl::redacted).toList(),
                config.replicas().maxLag().toMillis(), config.redis().isPresent() ? "in Redis" : "in this process",
                markTtl.toSeconds(), replicas.stream().map(r -> r.name() + ": " + r.state()).toList());
    }

    /**
     * The Redis circuit breaker, the rate limiter (Redis with a local fallback, or local) and the two-level cache
     * (L1 + Redis, or L1 only), by whether REDIS_URL is set.
     */
    private void openProtection(ProtectionSettings protection) {
        ProtectionSettings.RateLimits limits = protection.rateLimits();
        // an invalidated key stays unfillable longer than any load can take (pool wait + statement timeout)
        Duration tombstone = config.dbPoolTimeout().plus(config.dbQueryTimeout()).plusSeconds(1);
        if (config.redis().isPresent()) {
            RedisUrl redis = config.redis().get();
            redisBreaker = breakers.create("redis", protection.redis(), e -> true, () -> remoteCache.ping());
            remoteCache = new RedisRemoteCache(redis, "hushryd:", config.nodeId());
            cache = new TwoLevelCache(remoteCache, redisBreaker, metrics.cache(), tombstone, Duration.ofSeconds(5));
            if (limits != null) {
                rateLimiter = new FailoverRateLimiter(new RedisRateLimiter(redis, "hushryd:", limits.penalties(),
                        config.nodeId()), new LocalRateLimiter(limits.penalties(), clock, 1_000_000), redisBreaker);
            }
            log.info("protection: rate limits {} (this node's own while Redis is unreachable); cache L1 in "
                    + "process + L2 in Redis {}, invalidations to every node", limits == null ? "off"
                    : "shared in Redis (GCRA script)", redis);
        } else {
            cache = new TwoLevelCache(null, null, metrics.cache(), tombstone, Duration.ofSeconds(5));
            if (limits != null) {
                rateLimiter = new LocalRateLimiter(limits.penalties(), clock, 1_000_000);
            }
            log.info("protection: rate limits {}; cache in process only (set REDIS_URL to share both across nodes)",
                    limits == null ? "off" : "in process");
        }
        Map<String, CircuitBreaker> own = new LinkedHashMap<>();
        breakers.all().forEach(b -> own.put(b.getName(), b));
        metrics.breakers(own);
    }

    private RateLimitPolicy rateLimitPolicy(ProtectionSettings protection) {
        ProtectionSettings.RateLimits l = protection.rateLimits();
        if (l == null) {
            return null;
        }
        return new RateLimitPolicy(l.anonymous(), l.authenticated(), l.premium(), l.critical(), l.upload(),
                new ClientIp(l.trustedProxies()));
    }

    private DatabaseUrl openStorage() throws Exception {
        if (config.database().isPresent()) {
            DatabaseUrl url = config.database().get();
            log.info("storage: external PostgreSQL {}", url.redacted());
            return url;
        }
        dataDirLock = DataDirLock.tryAcquire(config.dataDir()).orElseThrow(() -> new ConfigException(
                "DATA_DIR " + config.dataDir() + " is in use by another HushRyd process (DATA_DIR / --data-dir); give "
                        + "each node its own DATA_DIR, or share one PostgreSQL through DATABASE_URL"));
        // watched: if its postmaster dies, it is started again on the same port (decision 0045)
        embeddedPostgres = EmbeddedPostgresServer.start(config.dataDir()).watch();
        log.info("storage: embedded PostgreSQL in {} on 127.0.0.1:{}, restarted if it dies (set DATABASE_URL to use a "
                + "server of your own)", embeddedPostgres.directory(), embeddedPostgres.port());
        return embeddedPostgres.url();
    }

    private void startPeriodicTasks() {
        metrics.gauge("hushryd.load.in_flight", "Sheddable API requests in flight", shedder::inFlight);
        metrics.gauge("hushryd.load.event_loop_lag_ms", "Event-loop lag of the busiest loop, the least over the last 2 s",
                shedder::eventLoopLagMillis);
        metrics.gauge("hushryd.load.level", "Load level: 0 ok, 1 busy (background shed), 2 overloaded (normal shed)",
                () -> shedder.level().ordinal());
        Map<String, CircuitBreaker> providers = new LinkedHashMap<>();
        notifications.senders().forEach((channel, sender) -> sender.breakers()
                .forEach(b -> providers.put(channel.label() + "/" + b.getName(), b)));
        metrics.breakers(providers);
        PoolMonitor poolMonitor = new PoolMonitor(database::poolStats, 6);
        vertx.setPeriodic(5_000, id -> poolMonitor.check());
        OpenFiles.logAtStart();
        OpenFiles openFiles = new OpenFiles();
        OpenFiles.Limit fileLimit = OpenFiles.Limit.read();
        vertx.setPeriodic(5_000, id -> openFiles.warnIfNear(OpenFiles.open(), fileLimit, System.currentTimeMillis()));
        vertx.setPeriodic(IDEMPOTENCY_PURGE.toMillis(), id -> workers.executeBlocking(idempotencyKeys::purgeExpired,
                false).onFailure(e -> log.warn("purging expired idempotency keys failed: {}", e.getMessage())));
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

    public com.hushryd.location.LocationHistory locationHistory() {
        return locationHistory;
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

    /** Where this node's read-only queries go: read replicas when configured, else the primary. */
    public ReadRouter reads() {
        return reads;
    }

    /** The job queues of this node (for tools and tests in-process). */
    public JobProducer jobs() {
        return jobProducer;
    }

    /** The notification channels (SOS and other producers enqueue through it). */
    public SosService sos() {
        return sos;
    }

    public Notifications notifications() {
        return notifications;
    }

    /** The Socket.IO events clients may send, as registered (docs/realtime.md must list exactly these). */
    public java.util.Set<String> socketEvents() {
        return sockets.events();
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
        boolean wasReady = lifecycle.state() == Lifecycle.State.READY;
        lifecycle.stopping();
        if (servers != null && wasReady && !config.shutdownReadyGrace().isZero()) {
            log.info("shutting down: /health/ready answers 503 and responses close their connections for {} ms, "
                    + "then the node stops accepting", config.shutdownReadyGrace().toMillis());
            quietly("ready grace", () -> Thread.sleep(config.shutdownReadyGrace().toMillis()));
        }
        if (servers != null) {
            log.info("shutting down: draining in-flight requests for up to {}s", config.shutdownTimeout().toSeconds());
            Future<Void> drained = servers.shutdown(config.shutdownTimeout().toMillis());
            // long-polls and WebSockets never finish on their own: close them so clients reconnect elsewhere
            engine.closeAll("server shutting down");
            quietly("HTTP drain", () -> await(drained, config.shutdownTimeout().plusSeconds(5)));
        }
        if (worker != null) {
            log.info("stopping workers: running jobs get up to {}s, the rest go back to their queues",
                    config.shutdownTimeout().toSeconds());
            quietly("workers", () -> worker.close(config.shutdownTimeout()));
        }
        if (queueMonitor != null) {
            quietly("queue monitor", queueMonitor::close);
        }
        if (outboxRelay != null) {
            quietly("outbox relay", outboxRelay::close);
        }
        if (jobQueue != null) {
            quietly("job queue", jobQueue::close);
        }
        if (objectStore != null) {
            quietly("object store", objectStore::close);
        }
        if (notifier != null) {
            quietly("LISTEN connection", notifier::close);
        }
        if (ledger != null) {
            quietly("job counters", ledger::close);
        }
        if (cluster != null && database != null) {
            quietly("cluster leave", cluster::leave);
        }
        if (eventLoopProbe != null) {
            quietly("event-loop probe", eventLoopProbe::close);
        }
        if (vertx != null) {
            quietly("vert.x", () -> await(vertx.close(), Duration.ofSeconds(10)));
        }
        if (rateLimiter != null) {
            quietly("rate limiter", rateLimiter::close);
        }
        quietly("breaker probes", breakers::close);
        if (cache != null) {
            quietly("cache", cache::close);
        }
        if (remoteCache != null) {
            quietly("remote cache", remoteCache::close);
        }
        if (safetyMonitor != null) {
            quietly("safety monitor", safetyMonitor::close);
        }
        if (sos != null) {
            quietly("SOS journal", sos::close);
        }
        if (sosTracker != null) {
            quietly("SOS tracker", sosTracker::close);
        }
        if (locationHistory != null) {
            quietly("location history", locationHistory::close);
        }
        if (locationStore != null) {
            quietly("location store", locationStore::close);
        }
        if (broker != null) {
            quietly("realtime broker", broker::close);
        }
        if (recovery instanceof AutoCloseable closeable) {
            quietly("realtime recovery", closeable::close);
        }
        if (workerBroker != null) {
            quietly("worker broker", workerBroker::close);
        }
        if (presence != null) {
            quietly("presence", presence::close);
        }
        if (recentMessages instanceof RedisRecentMessages r) {
            quietly("chat cache", r::close);
        }
        if (reads != null) {
            quietly("read replicas", reads::close);
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
        log.info("HushRyd {} {} stopped", serveHttp ? "node" : "worker", config.nodeId());
    }

    /**
     * During the ready grace every response closes its connection: a proxy then holds no idle keep-alive connection
     * to this node when it stops accepting, so no request (a POST, which a proxy must not retry) can be sent on a
     * connection the node is closing. WebSocket upgrades are left alone; their sessions close after the grace.
     */
    private static void closeAfterResponse(HttpServerRequest req) {
        if (req.canUpgradeToWebSocket()) {
            return;
        }
        req.response().putHeader(HttpHeaders.CONNECTION, "close");
        req.response().bodyEndHandler(v -> req.connection().close());
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
