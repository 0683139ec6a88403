package com.hushryd.app;

import com.hushryd.realtime.SocketEvents;
import com.hushryd.rooms.Room;
import com.hushryd.auth.AdminPolicy;
import com.hushryd.cache.RemoteCache;
import com.hushryd.cache.TwoLevelCache;
import com.hushryd.cache.redis.RedisRemoteCache;
import com.hushryd.protect.Protection;
import com.hushryd.protect.ProtectionSettings;
import com.hushryd.ops.BreakerHealth;
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
import com.hushryd.chat.RecentMessages;
import com.hushryd.console.ConsoleRoutes;
import com.hushryd.console.LiveView;
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
import com.hushryd.common.Json;
import com.hushryd.jobs.BuiltinJobs;
import com.hushryd.jobs.JobHandlers;
import com.hushryd.jobs.JobMetrics;
import com.hushryd.jobs.JobProducer;
import com.hushryd.jobs.JobQueue;
import com.hushryd.ops.JobQueueHealth;
import com.hushryd.jobs.JobRoutes;
import com.hushryd.jobs.QueueMonitor;
import com.hushryd.jobs.QueueSettings;
import com.hushryd.jobs.Worker;
import com.hushryd.jobs.outbox.OutboxRelay;
import com.hushryd.auth.Principal;
import com.hushryd.chat.ChatService;
import com.hushryd.location.FailoverLocationStore;
import com.hushryd.location.LocationHistory;
import com.hushryd.location.LocationRoutes;
import com.hushryd.location.LocationService;
import com.hushryd.location.LocationStore;
import com.hushryd.location.memory.MemoryLocationStore;
import com.hushryd.location.redis.RedisLocationStore;
import com.hushryd.ops.LocationHealth;
import com.hushryd.ops.UploadsHealth;
import com.hushryd.realtime.InAppDelivery;
import com.hushryd.realtime.memory.MemoryRecovery;
import com.hushryd.realtime.redis.RedisRecovery;
import com.hushryd.realtime.socketio.Recovery;
import com.hushryd.safety.SafetyChecks;
import com.hushryd.safety.SafetyMonitor;
import com.hushryd.safety.SafetyRoutes;
import com.hushryd.safety.SafetySettings;
import com.hushryd.safety.StraightLineCorridor;
import com.hushryd.share.ShareLinks;
import com.hushryd.share.ShareRoutes;
import com.hushryd.share.ShareService;
import com.hushryd.sos.SosRaiser;
import com.hushryd.auth.Revocations;
import com.hushryd.jobs.postgres.PgLedger;
import com.hushryd.jobs.postgres.PgNotifier;
import com.hushryd.jobs.postgres.PgRateGate;
import com.hushryd.jobs.postgres.PostgresJobQueue;
import com.hushryd.jobs.rabbitmq.RabbitJobQueue;
import com.hushryd.jobs.redis.RedisJobQueue;
import com.hushryd.notify.Channel;
import com.hushryd.notify.DevOutbox;
import com.hushryd.notify.Notifications;
import com.hushryd.ops.NotifyHealth;
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
import com.hushryd.ops.OpsJobs;
import com.hushryd.store.Jdbc;
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
 * capabilities together, and tears them down in reverse order of creation on a graceful stop.
 *
 * <p>{@link #startAll()} reads as the list of capabilities, each wired by its own function; every resource is added
 * to {@link Resources} when it is created, so {@link #close()} closes them backwards from the HTTP servers (drained
 * first) to the embedded database and the data directory's lock.
 */
public final class Node implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Node.class);
    /** How often each node deletes expired idempotency keys (any node may; a delete is harmless twice). */
    private static final Duration IDEMPOTENCY_PURGE = Duration.ofMinutes(10);

    private final Config config;
    private final Clock clock = Clock.systemUTC();
    private final Lifecycle lifecycle = new Lifecycle();
    private final String version = Version.current();
    private final Resources resources = new Resources();
    private final boolean serveHttp;
    private boolean closed;

    // storage and protection
    private EmbeddedPostgresServer embeddedPostgres;
    private Metrics metrics;
    private Database database;
    /** The primary the node's pool connects to (backups open connections of their own to it). */
    private volatile DatabaseUrl databaseUrl;
    private ReadRouter reads;
    private final Breakers breakers = new Breakers();
    private CircuitBreaker redisBreaker;
    private RateLimiter rateLimiter;
    private TwoLevelCache cache;
    // accounts and trips
    private TokenService tokens;
    private UserService users;
    private TripService trips;
    private Revocations revocations;
    // jobs and what runs on them
    private JobQueue jobQueue;
    private JobProducer jobProducer;
    private QueueMonitor queueMonitor;
    private JobHandlers jobHandlers;
    private List<QueueSettings> workedQueues = List.of();
    private Notifications notifications;
    private final InAppDelivery inApp = new InAppDelivery();
    private SosJobs sosJobs;
    private SafetyChecks safetyChecks;
    private ShareLinks shareLinks;
    private ObjectStore objectStore;
    private OpsJobs opsJobs;
    // HTTP and realtime
    private Vertx vertx;
    private WorkerExecutor workers;
    private WorkerExecutor criticalWorkers;
    private ApiRouter api;
    private LoadShedder shedder;
    private IdempotencyKeys idempotencyKeys;
    private SocketIoServer io;
    private EngineServer engine;
    private Broker broker;
    private RealtimeGateway gateway;
    private RealtimeApp realtime;
    private PresenceStore presence;
    private Namespace sockets;
    private SocketEvents socketEvents;
    // features on the socket
    private LocationStore locationStore;
    private LocationHistory locationHistory;
    private LocationService locations;
    private SosService sos;
    private LocalUploadReceiver uploadReceiver;
    private ClusterRegistry cluster;
    private HttpServers servers;

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

    /** The capabilities of a node, in the order they are wired (and, backwards, closed). */
    private void startAll() throws Exception {
        long t0 = System.nanoTime();
        log.info("starting HushRyd {} node {}", version, config.nodeId());
        log.info("configuration: {}", config.describe());
        Files.createDirectories(config.dataDir());
        openDatabase(openStorage(), "hushryd-");
        openReadReplicas();
        openProtection();
        openAccounts();
        openJobs();
        openOpsSchedule();
        openHttp();
        openRealtime();
        openChat();
        openLocation();
        openSos();
        openSafety();
        openShare();
        openUploads();
        openConsole();
        openOps();
        startWorkers();
        listen();
        startPeriodicTasks();
        lifecycle.ready();
        log.info("HushRyd node {} ready on http://{}:{} with {} event loops ({} ms)", config.nodeId(), config.host(),
                servers.port(), servers.instances(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** A worker process: storage, the job queues and their workers. */
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
        openDatabase(url, "hushryd-worker-");
        openJobs();
        if (workedQueues.isEmpty()) {
            throw new ConfigException("WORKER_QUEUES: a worker needs at least one queue (--queues a,b)");
        }
        startWorkers();
        lifecycle.ready();
        log.info("HushRyd worker {} ready", config.nodeId());
    }

    // ---- storage and protection ----

    /** The PostgreSQL of DATABASE_URL, or the embedded one under DATA_DIR (locked against a second node). */
    private DatabaseUrl openStorage() throws Exception {
        if (config.database().isPresent()) {
            DatabaseUrl url = config.database().get();
            log.info("storage: external PostgreSQL {}", url.redacted());
            return url;
        }
        resources.add("data directory lock", DataDirLock.tryAcquire(config.dataDir()).orElseThrow(() ->
                new ConfigException("DATA_DIR " + config.dataDir() + " is in use by another HushRyd process (DATA_DIR "
                        + "/ --data-dir); give each node its own DATA_DIR, or share one PostgreSQL through "
                        + "DATABASE_URL")));
        // watched: if its postmaster dies, it is started again on the same port (decision 0045)
        embeddedPostgres = resources.add("embedded PostgreSQL", EmbeddedPostgresServer.start(config.dataDir()).watch());
        log.info("storage: embedded PostgreSQL in {} on 127.0.0.1:{}, restarted if it dies (set DATABASE_URL to use a "
                + "server of your own)", embeddedPostgres.directory(), embeddedPostgres.port());
        return embeddedPostgres.url();
    }

    /** The metrics registry and the primary's pool (with its breaker and critical share), migrated. */
    private void openDatabase(DatabaseUrl url, String poolPrefix) {
        databaseUrl = url;
        metrics = resources.add("metrics", new Metrics(config.nodeId()), () -> metrics.close());
        ProtectionSettings protection = config.protection();
        Database.Settings settings = new Database.Settings(config.dbPoolMax(), config.dbPoolMin(),
                config.dbPoolTimeout(), config.dbQueryTimeout(), poolPrefix + config.nodeId());
        database = resources.add("database pool", serveHttp
                ? Database.connect(url, settings, metrics.pool(), protection.criticalPool(), breakers.create(
                        "postgresql", protection.database(), Database::unavailable, () -> database.ping()),
                        protection.criticalYield())
                : Database.connect(url, settings, metrics.pool()));
        database.migrate();
        resources.add("breaker probes", breakers, breakers::close);
    }

    /**
     * The read replicas of DATABASE_READ_URLS, each with its own pool and breaker, and the read-your-writes marks (in
     * Redis when REDIS_URL is set, so that they hold across nodes); without replicas every read stays on the primary.
     */
    private void openReadReplicas() {
        if (config.replicas().urls().isEmpty()) {
            reads = resources.add("read replicas", ReadRouter.primaryOnly(database), () -> reads.close());
            return;
        }
        ProtectionSettings protection = config.protection();
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
        reads = resources.add("read replicas", ReadRouter.withReplicas(database, replicas, marks,
                config.replicas().maxLag(), metrics.replicas(replicas)), () -> reads.close());
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
    private void openProtection() {
        ProtectionSettings protection = config.protection();
        ProtectionSettings.RateLimits limits = protection.rateLimits();
        // an invalidated key stays unfillable longer than any load can take (pool wait + statement timeout)
        Duration tombstone = config.dbPoolTimeout().plus(config.dbQueryTimeout()).plusSeconds(1);
        if (config.redis().isPresent()) {
            RedisUrl redis = config.redis().get();
            RemoteCache remoteCache = new RedisRemoteCache(redis, "hushryd:", config.nodeId());
            resources.add("remote cache", remoteCache, remoteCache::close);
            redisBreaker = breakers.create("redis", protection.redis(), e -> true, remoteCache::ping);
            cache = resources.add("cache", new TwoLevelCache(remoteCache, redisBreaker, metrics.cache(), tombstone,
                    Duration.ofSeconds(5)));
            if (limits != null) {
                rateLimiter = resources.add("rate limiter", new FailoverRateLimiter(new RedisRateLimiter(redis,
                        "hushryd:", limits.penalties(), config.nodeId()), new LocalRateLimiter(limits.penalties(),
                        clock, 1_000_000), redisBreaker));
            }
            log.info("protection: rate limits {} (this node's own while Redis is unreachable); cache L1 in "
                    + "process + L2 in Redis {}, invalidations to every node", limits == null ? "off"
                    : "shared in Redis (GCRA script)", redis);
        } else {
            cache = resources.add("cache", new TwoLevelCache(null, null, metrics.cache(), tombstone,
                    Duration.ofSeconds(5)));
            if (limits != null) {
                rateLimiter = resources.add("rate limiter", new LocalRateLimiter(limits.penalties(), clock,
                        1_000_000));
            }
            log.info("protection: rate limits {}; cache in process only (set REDIS_URL to share both across nodes)",
                    limits == null ? "off" : "in process");
        }
        Map<String, CircuitBreaker> own = new LinkedHashMap<>();
        breakers.all().forEach(b -> own.put(b.getName(), b));
        metrics.breakers(own);
    }

    // ---- accounts and trips ----

    /** Tokens (the shared generated secret unless JWT_SECRET), users, trips, revocations, the bootstrap admin. */
    private void openAccounts() throws Exception {
        ProtectionSettings protection = config.protection();
        String secret = config.jwtSecret().orElse(null);
        if (secret == null) {
            secret = sharedSecret("jwt-secret");
            log.info("JWT_SECRET is not set: tokens are signed with the secret generated once and kept in the "
                    + "database, shared by every node on it (set JWT_SECRET to choose one)");
        }
        tokens = new TokenService(secret, config.jwtPreviousSecret().orElse(null), config.jwtTtl(), clock);
        users = new UserService(database, new PasswordHasher(config.bcryptCost()), tokens, clock);
        trips = new TripService(database, clock);
        users.useCache(cache, protection.profileTtl());
        users.useReplicas(reads);
        trips.useReplicas(reads);
        trips.useCache(cache, protection.tripTtl(), protection.searchTtl());
        users.onProfileChanged(trips::driverChanged);
        users.onDeleted(trips::accountDeleted);
        revocations = new Revocations(database, cache, protection.sessionTtl(), clock);
        if (config.adminPhone().isPresent()) {
            try {
                users.ensureAdmin(config.adminPhone().get(), config.adminPassword().orElseThrow(), "Administrator");
            } catch (com.hushryd.common.ApiException e) {
                throw new ConfigException("ADMIN_PHONE/ADMIN_PASSWORD: " + e.getMessage());
            }
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

    // ---- jobs ----

    /**
     * The job queue backend of QUEUE_TYPE, the outbox relay (Redis, RabbitMQ), the notification channels, the job
     * handlers of every capability and the queue monitor. The workers start last ({@link #startWorkers()}), once
     * everything a job may reach is wired.
     */
    private void openJobs() {
        PgLedger ledger = new PgLedger(database, config.nodeId());
        resources.add("job counters", ledger, ledger::close);
        PgNotifier notifier = new PgNotifier(database);
        resources.add("LISTEN connection", notifier, notifier::close);
        OutboxRelay outboxRelay = null;
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
        resources.add("job queue", jobQueue, jobQueue::close);
        JobMetrics jobMetrics = metrics.jobs();
        jobProducer = new JobProducer(jobQueue, config.queueDepthWarn(), jobMetrics);
        openNotifications();
        JobHandlers handlers = new JobHandlers();
        BuiltinJobs.register(handlers, database);
        notifications.register(handlers);
        try {
            shareLinks = new ShareLinks(sharedSecret("share-secret"),
                    config.uploads().publicUrl().map(java.net.URI::toString));
        } catch (java.io.IOException | java.sql.SQLException e) {
            throw new IllegalStateException("cannot read the share-link secret: " + e.getMessage(), e);
        }
        sosJobs = new SosJobs(database, jobProducer, notifications, inApp, config.sos(), clock,
                shareLinks);
        sosJobs.register(handlers);
        safetyChecks = new SafetyChecks(database, jobProducer, notifications, inApp,
                new SosRaiser(sosJobs, config.sos(), clock), config.safety().checkDeadline(), clock);
        safetyChecks.register(handlers);
        objectStore = resources.add("object store", openObjectStore());
        new DocumentProcessor(database, objectStore, notifications,
                new DocumentInspector(DocumentInspector.Limits.of(config.uploads().maxSize())), metrics.uploads(),
                clock).register(handlers);
        opsJobs = new OpsJobs(database, config.ops(), config.nodeId(), () -> databaseUrl, config.dataDir(), version);
        opsJobs.register(handlers);
        jobHandlers = handlers;
        List<String> builtIn = builtInQueues();
        workedQueues = config.workerQueues().resolve(builtIn, config.workerConcurrency());
        // the queues an admin may enqueue into and sees listed: the built-in ones and those this node works on
        List<String> known = new ArrayList<>(builtIn);
        workedQueues.stream().map(QueueSettings::queue).filter(q -> !known.contains(q)).forEach(known::add);
        queueMonitor = new QueueMonitor(jobQueue, known, jobProducer, config.queueDepthWarn(), jobMetrics);
        notifier.start();
        if (outboxRelay != null) {
            outboxRelay.start();
            resources.add("outbox relay", outboxRelay, outboxRelay::close);
        }
        queueMonitor.start();
        resources.add("queue monitor", queueMonitor, queueMonitor::close);
    }

    /**
     * The notification channels; in-app notifications reach sockets through this node's gateway (attached once it
     * exists), from a worker process through a Redis broker of its own, else they go to the development outbox.
     */
    private void openNotifications() {
        DevOutbox devOutbox = new DevOutbox(database);
        boolean reachesSockets = serveHttp;
        if (serveHttp) {
            notifications = new Notifications(jobProducer, config.notifications(), devOutbox, inApp);
        } else if (config.redis().isPresent()) {
            RedisBroker workerBroker = resources.add("worker broker", new RedisBroker(config.redis().get(),
                    config.nodeId(), config.realtimeOutageHold()));
            if (!config.realtimeRecoveryWindow().isZero()) {
                // notifications sent from here are numbered too, so that a reconnecting client recovers them
                workerBroker.numberBroadcasts(config.realtimeRecoveryHistory(), config.realtimeRecoveryWindow());
            }
            inApp.attach(workerBroker);
            notifications = new Notifications(jobProducer, config.notifications(), devOutbox, inApp);
            reachesSockets = true;
        } else {
            notifications = new Notifications(jobProducer, config.notifications(), devOutbox, devOutbox);
        }
        for (Channel ch : Channel.values()) {
            List<ProviderEndpoint> providers = config.notifications().of(ch);
            log.info("notify: {} via {}", ch.label(), ch == Channel.IN_APP
                    ? (reachesSockets ? "the realtime gateway (event 'notification' to user:{id})"
                            : "the development outbox (a worker without REDIS_URL cannot reach sockets)")
                    : providers.isEmpty() ? "the development outbox (no provider configured)" : providers);
        }
    }

    /** The queues {@code WORKER_QUEUES=all} works on: every queue the node's own features enqueue into. */
    static List<String> builtInQueues() {
        List<String> builtIn = new ArrayList<>();
        builtIn.add(BuiltinJobs.QUEUE);
        builtIn.add(SosJobs.QUEUE);
        builtIn.add(SafetyChecks.QUEUE);
        builtIn.addAll(Notifications.queues());
        builtIn.add(DocumentService.QUEUE);
        builtIn.add(OpsJobs.QUEUE);
        return builtIn;
    }

    /** Backups and retention: each due run is enqueued by exactly one node of the cluster (decision 0069). */
    private void openOpsSchedule() {
        opsJobs.start(jobProducer);
        resources.add("ops schedule", opsJobs, opsJobs::close);
    }

    /** This process's workers for WORKER_QUEUES, started once everything a job may reach is wired. */
    private void startWorkers() {
        if (workedQueues.isEmpty()) {
            log.info("jobs: this process runs no workers (WORKER_QUEUES=none); run ./hushryd worker --queues ...");
            return;
        }
        Worker worker = new Worker(jobQueue, jobHandlers, workedQueues, config.jobLease(), metrics.jobs(),
                config.nodeId(), new PgRateGate(database)).start();
        resources.add("workers", worker, () -> {
            log.info("stopping workers: running jobs get up to {}s, the rest go back to their queues",
                    config.shutdownTimeout().toSeconds());
            worker.close(config.shutdownTimeout());
        });
        log.info("jobs: working on {}", workedQueues.stream().map(q -> q.queue() + " (" + q.concurrency() + " at once"
                + (q.ratePerMinute() > 0 ? ", " + q.ratePerMinute() + "/min" : "") + ")").toList());
    }

    /** The object store of OBJECT_STORE: files under DATA_DIR uploaded through this node, or an S3 bucket. */
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

    // ---- HTTP API and realtime ----

    /** Vert.x, the worker pools, the API router with its protection (shedding, rate limits, revocations). */
    private void openHttp() {
        ProtectionSettings protection = config.protection();
        // no classpath resolving for file operations: the local object store's files are plain paths, and Vert.x's
        // classpath cache directory (in /tmp, which cleaners may empty) must not be able to fail them
        vertx = resources.add("vert.x", Vertx.vertx(new VertxOptions().setEventLoopPoolSize(config.eventLoops())
                .setFileSystemOptions(new io.vertx.core.file.FileSystemOptions().setClassPathResolvingEnabled(false)
                        .setFileCachingEnabled(false))), () -> await(vertx.close(), Duration.ofSeconds(10)));
        workers = vertx.createSharedWorkerExecutor("hushryd-worker", config.httpWorkerThreads(), 60, TimeUnit.SECONDS);
        api = new ApiRouter(vertx, workers, tokens, adminPolicy(),
                metrics.http(), config.httpBodyLimit(), config.httpBodyTimeout(), config.accessLog());
        shedder = new LoadShedder(protection.shedding(), () -> database.poolStats().waiting(),
                database::takeQueueDelay);
        resources.add("event-loop probe", new EventLoopProbe(vertx, shedder::observe));
        criticalWorkers = vertx.createSharedWorkerExecutor("hushryd-critical", protection.criticalThreads(), 60,
                TimeUnit.SECONDS);
        api.protect(new Protection(shedder, rateLimiter, rateLimitPolicy(protection), metrics.protect()), revocations,
                criticalWorkers);
        UserRoutes.register(api, users);
        SessionRoutes.register(api, users, revocations);
        AdminUserRoutes.register(api, users, revocations);
        idempotencyKeys = new IdempotencyKeys(database, config.idempotencyTtl(), clock);
        TripRoutes.register(api, trips, idempotencyKeys);
    }

    private RateLimitPolicy rateLimitPolicy(ProtectionSettings protection) {
        ProtectionSettings.RateLimits l = protection.rateLimits();
        if (l == null) {
            return null;
        }
        return new RateLimitPolicy(l.anonymous(), l.authenticated(), l.premium(), l.critical(), l.upload(),
                new ClientIp(l.trustedProxies()));
    }

    /**
     * The Engine.IO/Socket.IO server and the realtime gateway over a broker, presence and connection state recovery
     * in Redis when REDIS_URL is set, else in this process.
     */
    private void openRealtime() {
        io = new SocketIoServer(Duration.ofSeconds(45));
        engine = new EngineServer(new EngineOptions(config.realtimePingInterval(), config.realtimePingTimeout(),
                config.realtimeMaxPayload(), config.realtimeMaxBuffered(), Duration.ofSeconds(10),
                config.realtimeCorsOrigins(), config.httpBodyTimeout(), config.route().orElse("")), io);
        boolean recover = !config.realtimeRecoveryWindow().isZero();
        java.util.function.Function<Object, String> owner = user -> ((Principal) user).userId().toString();
        Recovery recovery = null;
        if (config.redis().isPresent()) {
            RedisBroker redisBroker = new RedisBroker(config.redis().get(), config.nodeId(),
                    config.realtimeOutageHold());
            broker = resources.add("realtime broker", redisBroker);
            if (recover) {
                recovery = resources.add("realtime recovery", new RedisRecovery(config.redis().get(), redisBroker,
                        owner, config.realtimeRecoveryWindow(), config.realtimeRecoveryHistory()));
            }
            presence = new RedisPresenceStore(config.redis().get(), config.nodeId(), config.presenceTtl(), clock);
            log.info("realtime: broker ({} channels), presence and recent chat messages in Redis {}{}",
                    redisBroker.sharded() ? "sharded" : "classic", config.redis().get(),
                    config.redis().get().cluster() ? " (Redis Cluster)" : "");
        } else {
            InProcessBroker.Hub hub = new InProcessBroker.Hub();
            broker = resources.add("realtime broker", new InProcessBroker(hub, config.nodeId()));
            if (recover) {
                recovery = new MemoryRecovery(hub, owner, config.realtimeRecoveryWindow(),
                        config.realtimeRecoveryHistory(), clock);
            }
            presence = new MemoryPresenceStore(config.presenceTtl(), clock);
            log.info("realtime: in-process broker, presence and chat cache (single node; set REDIS_URL to scale out)");
        }
        resources.add("presence", presence);
        gateway = new RealtimeGateway(io, engine, broker, config.nodeId());
        metrics.gauge("hushryd.realtime.broker.held", "broadcasts and commands waiting for the broker's engine (Redis) "
                + "to return", () -> broker.stats().held());
        metrics.gauge("hushryd.realtime.broker.dropped", "broadcasts and commands that never reached the other nodes",
                () -> broker.stats().dropped());
        inApp.attach(gateway);
        realtime = new RealtimeApp(vertx, workers, tokens, revocations, presence, gateway, config.nodeId(), clock);
        realtime.sosDeskNetworks(adminPolicy());
        sockets = io.namespace("/");
        socketEvents = new SocketEvents(sockets, workers);
        realtime.install(sockets);
        sockets.recovery(recovery);
        revocations.onChange(realtime::recheckSessions);
        if (config.protection().rateLimits() != null) {
            sockets.guardEvents(RealtimeApp.eventBudget(config.protection().rateLimits().socketEvents(),
                    metrics.protect()));
        }
    }

    /** Chat: history in PostgreSQL, recent messages in Redis or this process, rooms joined when a booking is made. */
    private void openChat() {
        RecentMessages recentMessages;
        if (config.redis().isPresent()) {
            RedisRecentMessages redis = new RedisRecentMessages(config.redis().get(), config.nodeId());
            recentMessages = resources.add("chat cache", redis, redis::close);
        } else {
            recentMessages = new MemoryRecentMessages(10_000);
        }
        ChatService chat = new ChatService(database, recentMessages, presence, gateway, clock);
        chat.useReplicas(reads);
        realtime.addInterest(user -> chat.openConversations(user).stream().map(id -> Room.conversation(id).name()).toList());
        ChatRoutes.register(socketEvents, chat);
        ChatRoutes.register(api, chat, idempotencyKeys);
        trips.onBooked(b -> {
            String room = Room.conversation(b.id()).name();
            gateway.socketsJoin(Room.user(b.passengerId()).name(), room);
            gateway.socketsJoin(Room.user(b.trip().driverId()).name(), room);
        });
    }

    /**
     * Live location: the latest locations and the driver geo index (Redis, with this node's own copy while Redis is
     * unreachable, decision 0016; or this process), route history batched to PostgreSQL.
     */
    private void openLocation() {
        if (config.redis().isPresent()) {
            locationStore = new FailoverLocationStore(
                    new RedisLocationStore(config.redis().get(), config.nodeId(), broker, config.locationTtl(), clock),
                    new MemoryLocationStore(config.locationTtl(), clock),
                    l -> LocationService.broadcast(gateway, l, Json.write(l)).toOtherNodes());
        } else {
            locationStore = new MemoryLocationStore(config.locationTtl(), clock);
        }
        resources.add("location store", locationStore);
        if (redisBreaker != null) {
            halfOpenWhenBack(redisBreaker, locationStore);
        }
        locationHistory = resources.add("location history", new LocationHistory(database,
                config.locationHistoryBuffer(), config.locationHistoryBatch(), config.locationHistoryFlush()));
        locationHistory.start();
        locations = new LocationService(locationStore, trips, gateway, locationHistory, users, workers,
                metrics.location(locationHistory::depth), clock, config.locationTtl());
        LocationRoutes.register(api, locations);
        LocationRoutes.register(socketEvents, locations);
        log.info("location: latest locations and the driver geo index {} (TTL {}s); route history batched to "
                + "PostgreSQL every {} ms", config.redis().isPresent() ? "in Redis" : "in this process",
                config.locationTtl().toSeconds(), config.locationHistoryFlush().toMillis());
    }

    /** SOS: alerts on the critical pool (journalled while PostgreSQL is down), tracking, the acknowledgement ladder. */
    private void openSos() throws java.io.IOException {
        SosTracker sosTracker = resources.add("SOS tracker", new SosTracker(database.critical(),
                inApp));
        sosTracker.start();
        // alerts are written on the database capacity reserved for critical work (DB_CRITICAL_POOL)
        sos = resources.add("SOS journal", new SosService(database.critical(), sosJobs, sosTracker,
                inApp, metrics.sos(), config.sos(), clock, config.dataDir().resolve("sos")));
        locations.onStored(sosTracker::onLocation);
        SosRoutes.register(api, sos);
        SosRoutes.register(socketEvents, sos);
        log.info("sos: acknowledgement ladder of {} step(s), {} apart: {}, then {} further tier(s), then the last "
                + "tier {} more time(s)", config.sos().steps(), config.sos().escalateAfter(), config.sos().onCallPhone()
                .or(() -> config.sos().onCallEmail()).map(x -> "the on-call contact")
                .orElse("the admins' dashboards (no SOS_ONCALL_PHONE / SOS_ONCALL_EMAIL)"), config.sos().tiers().size(),
                config.sos().repeats());
    }

    /**
     * Check-in routes on every node; the trip safety monitor unless SAFETY_MONITOR=false, fed by the location hot path
     * and by trips starting on this node (issue 18, decision 0054).
     */
    private void openSafety() {
        SafetyRoutes.register(api, safetyChecks);
        SafetyRoutes.register(socketEvents, safetyChecks);
        SafetySettings s = config.safety();
        if (!s.enabled()) {
            log.info("safety: the trip monitor is off on this node (SAFETY_MONITOR=false); check-ins are answered");
            return;
        }
        SafetyMonitor safetyMonitor = resources.add("safety monitor", new SafetyMonitor(database, safetyChecks,
                locationStore::latest, StraightLineCorridor.source(s.corridorFactor(), s.corridorMinKm()), s,
                config.nodeId(), clock).start());
        locations.onStored(safetyMonitor::onLocation);
        trips.onTransition(safetyMonitor::onTransition);
        log.info("safety: trip monitor on (stop {} s, silence {} s, deviation {} s outside {} x the straight line, "
                + "speed > {} km/h for {} s, end radius {} km); check-ins answered within {} s, else SOS",
                s.stopAfter().toSeconds(), s.silenceAfter().toSeconds(), s.deviationFor().toSeconds(),
                s.corridorFactor(), s.speedLimitKmh(), s.speedFor().toSeconds(), s.endRadiusKm(),
                s.checkDeadline().toSeconds());
    }

    /** Share-my-trip links (decision 0059). */
    private void openShare() {
        ShareRoutes.register(api, new ShareService(database, shareLinks, locationStore::latest, rateLimiter,
                config.share().rateLimit(), config.share().afterEnd(), clock), workers);
    }

    /** Documents: upload URLs, the local receiver when objects are kept under DATA_DIR, processing jobs. */
    private void openUploads() {
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
    }

    /** Admin job and outbox routes, the cluster registry, health and metrics. */
    private void openOps() {
        JobRoutes.register(api, jobProducer, queueMonitor, jobHandlers);
        NotifyRoutes.register(api, new DevOutbox(database));
        cluster = resources.add("cluster registry", new ClusterRegistry(database, config.nodeId(), version, clock),
                () -> cluster.leave());
        cluster.reportStats(this::nodeStats);
        // health and metrics run on the reserved workers: they must answer while the shared ones are saturated
        OpsRoutes.register(api, criticalWorkers, lifecycle,
                List.of(new DatabaseHealth(database, embeddedPostgres != null ? "embedded" : "external"),
                        new RealtimeHealth(gateway),
                        new LocationHealth(locationStore.name(), locationHistory),
                        new JobQueueHealth(jobQueue, queueMonitor, config.queueDepthWarn()),
                        new NotifyHealth(notifications),
                        new UploadsHealth(objectStore, uploadReceiver),
                        new BreakerHealth(breakers)),
                metrics, cluster, config.nodeId(), version, opsAccess());
        opsGauges();
    }

    /** Gauges the alert rules of deploy/prometheus need: readiness and SOS alerts waiting for an operator. */
    private void opsGauges() {
        metrics.gauge("hushryd.ready", "1 while this node reports ready (/health/ready), else 0",
                () -> lifecycle.state() == Lifecycle.State.READY ? 1 : 0);
        Duration deadline = config.sos().escalateAfter();
        metrics.cachedGauge("hushryd.sos.unacknowledged", "Active SOS alerts nobody acknowledged within "
                + "SOS_ACK_DEADLINE, cluster-wide (refreshed at most every 10 s; NaN while the database is down)",
                Duration.ofSeconds(10), () -> database.critical().read(c -> Jdbc.one(c,
                        "SELECT count(*) FROM sos_alerts WHERE status = 'active' AND created_at < now() - ? * "
                                + "interval '1 millisecond'", rs -> rs.getLong(1), deadline.toMillis()).orElse(0L)));
    }

    /**
     * Who may read /metrics and the detailed /health: a client in OPS_ALLOWED_CIDRS, the client being the peer, or
     * behind proxies in TRUSTED_PROXIES the address they forwarded (decision 0067).
     */
    private java.util.function.Predicate<HttpServerRequest> opsAccess() {
        AdminPolicy allowed = new AdminPolicy(config.ops().allowedCidrs(), clientAddress());
        return req -> req.remoteAddress() != null && allowed.networkAllowed(req.remoteAddress().host(),
                req.getHeader("X-Forwarded-For"));
    }

    /** Who may call admin endpoints and the console: ADMIN_ALLOWED_CIDRS, judged on the client TRUSTED_PROXIES name. */
    private AdminPolicy adminPolicy() {
        return new AdminPolicy(config.adminAllowedCidrs(), clientAddress());
    }

    /** The client's address: the peer's, or behind TRUSTED_PROXIES the address they forwarded. */
    private java.util.function.BinaryOperator<String> clientAddress() {
        ClientIp clientIp = new ClientIp(config.ops().trustedProxies());
        return clientIp::resolve;
    }

    /** The operator console (/console) and the live positions its map shows (decision 0065). */
    private void openConsole() {
        ConsoleRoutes.register(api, adminPolicy(),
                new ConsoleRoutes.Settings(config.consoleTileUrl(), config.sos().escalateAfter()),
                users, revocations, new LiveView(database, locationStore));
        log.info("console: /console for admins from {}; map tiles {}", config.adminAllowedCidrs(),
                config.consoleTileUrl().orElse("none (positions on a plain background)"));
    }

    /**
     * What this node reports with each heartbeat ({@code /admin/cluster}, the console's cluster page): its realtime
     * counters, event-loop lag, shedding, database pool and circuit breakers.
     */
    private Map<String, Object> nodeStats() {
        Map<String, Object> stats = new LinkedHashMap<>(Json.MAPPER.convertValue(gateway.connectionStats(),
                new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {
                }));
        stats.put("eventLoopLagMillis", shedder.eventLoopLagMillis());
        stats.put("shedding", Map.of("level", shedder.level().name().toLowerCase(java.util.Locale.ROOT),
                "inFlight", shedder.inFlight(), "poolWaiting", shedder.poolWaiting(),
                "queueDelayMillis", shedder.queueDelayMillis()));
        com.hushryd.store.PoolStats pool = database.poolStats();
        stats.put("pool", Map.of("active", pool.active(), "idle", pool.idle(), "waiting", pool.waiting(),
                "total", pool.total(), "max", pool.max()));
        Map<String, String> states = new java.util.TreeMap<>();
        breakers.all().forEach(b -> states.put(b.getName(), Breakers.state(b.getState())));
        stats.put("breakers", states);
        return stats;
    }

    /**
     * The HTTP servers, one per event loop: Engine.IO, the local upload receiver and the API. Closing them is the
     * first step of a stop: drain in-flight requests, close long-polls and WebSockets so clients reconnect elsewhere.
     */
    private void listen() throws Exception {
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
        resources.add("HTTP drain", servers, () -> {
            log.info("shutting down: draining in-flight requests for up to {}s", config.shutdownTimeout().toSeconds());
            Future<Void> drained = servers.shutdown(config.shutdownTimeout().toMillis());
            // long-polls and WebSockets never finish on their own: close them so clients reconnect elsewhere
            engine.closeAll("server shutting down");
            await(drained, config.shutdownTimeout().plusSeconds(5));
        });
        realtime.startHeartbeat(config.presenceTtl());
        realtime.startSessionSweep(config.protection().sessionTtl());
        cluster.announce(AdvertisedAddress.of(config.advertiseAddress(), config.host(), servers.port()));
        cluster.heartbeat();
    }

    /** Gauges of the load level, provider breakers, pool and open-file warnings, and the periodic chores. */
    private void startPeriodicTasks() {
        metrics.gauge("hushryd.load.in_flight", "Sheddable API requests in flight", shedder::inFlight);
        metrics.gauge("hushryd.load.event_loop_lag_ms", "Event-loop lag of the busiest loop, the least over the last 2 s",
                shedder::eventLoopLagMillis);
        metrics.gauge("hushryd.load.queue_delay_ms", "Queueing delay over the last 0.5 s: the least wait of sheddable "
                + "requests for a worker thread plus the least wait for a main-pool connection", shedder::queueDelayMillis);
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

    /**
     * When a dependency is reachable again (one of {@code signal}'s connections is back), its open breaker lets a
     * trial call through {@link RedisConnector#SETTLE} later, once every connection of this node had time to
     * reconnect, rather than when its open window ends: recovery within seconds of the return (decision 0032).
     */
    private static void halfOpenWhenBack(CircuitBreaker breaker, LocationStore signal) {
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

    // ---- what tools and tests reach ----

    public int port() {
        return servers.port();
    }

    public RealtimeGateway gateway() {
        return gateway;
    }

    public LocationHistory locationHistory() {
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

    /**
     * Graceful stop: report not ready (for SHUTDOWN_READY_GRACE), then close everything in reverse order of creation:
     * the HTTP servers drain in-flight requests (bounded) first, the embedded database and its lock go last.
     */
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
            Resources.quietly("ready grace", () -> Thread.sleep(config.shutdownReadyGrace().toMillis()));
        }
        resources.close();
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

    private static <T> T await(Future<T> future, Duration timeout) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
