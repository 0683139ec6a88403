package com.hushryd.app;

/**
 * Every configuration setting of a node: its environment variable, its command-line flag, its default and what it
 * means. The CLI, the help text, the loader and the README table are all derived from this one list.
 */
public enum Setting {
    PORT("--port", "8080", "HTTP port to listen on (0 picks a free port)."),
    HOST("--host", "0.0.0.0", "Address to bind."),
    ADVERTISE_ADDRESS("--advertise-address", null,
            "host[:port] other machines reach this node at, as GET /api/v1/admin/cluster lists it. Unset: HOST, or for 0.0.0.0 the first non-loopback interface address (else 127.0.0.1), with PORT."),
    NODE_ID("--node-id", null, "Identity of this node in a cluster (default: hostname-pid)."),
    NODE_ROUTE("--node-route", null,
            "Short name (1-16 letters or digits) that prefixes this node's Socket.IO session ids, so a load balancer can route long-polling requests to it (deploy/nginx). Unset: no prefix."),
    DATA_DIR("--data-dir", "./data", "Directory for the embedded database, the SOS journal and local files."),
    DATABASE_URL("--database-url", null,
            "PostgreSQL URL (postgresql://user:pass@host:5432/db or jdbc:postgresql://...). Unset: embedded PostgreSQL under DATA_DIR."),
    DB_POOL_MAX("--db-pool-max", "auto", "Maximum connections in the database pool; auto: 2 x cores + 2 with the embedded database (on this machine), 20 with DATABASE_URL (set it near 2 x the database server's cores)."),
    DB_POOL_MIN("--db-pool-min", "2", "Idle connections kept ready in the database pool."),
    DB_POOL_TIMEOUT("--db-pool-timeout", "5s", "How long a request waits for a pooled connection before a 503."),
    DB_QUERY_TIMEOUT("--db-query-timeout", "5s", "Statement timeout applied to every query."),
    DATABASE_READ_URLS("--database-read-urls", null,
            "Comma-separated PostgreSQL URLs of streaming read replicas (same forms as DATABASE_URL). Searches, trip and booking lists, chat history and other read-only queries go to a replica that keeps up; writes, transactions and seat checks stay on the primary. Unset: everything on the primary."),
    DB_REPLICA_MAX_LAG("--db-replica-max-lag", "2s",
            "A read replica lagging the primary by more than this leaves rotation (its reads go to the primary) until it catches up."),
    REDIS_URL("--redis-url", null, "Redis URL redis://[:pass@]host:port[/db] (rediss:// for TLS), or a Redis Cluster as redis-cluster://[:pass@]host1:port1,host2:port2,... (rediss-cluster:// for TLS; any reachable seed is enough). Unset: in-process state."),
    QUEUE_TYPE("--queue-type", "postgres", "Job queue backend: postgres, redis or rabbitmq."),
    RABBITMQ_URL("--rabbitmq-url", null, "RabbitMQ URL amqp://user:pass@host:5672/vhost (QUEUE_TYPE=rabbitmq)."),
    JWT_SECRET("--jwt-secret", null,
            "HS256 secret for access tokens, at least 32 bytes. Unset: a secret generated once and kept in the database, shared by every node on it."),
    JWT_PREVIOUS_SECRET("--jwt-previous-secret", null,
            "The secret before the last rotation: tokens signed with it are still accepted."),
    JWT_TTL("--jwt-ttl", "1h", "Lifetime of an access token (e.g. 15m, 1h)."),
    BCRYPT_COST("--bcrypt-cost", "10", "bcrypt work factor for password hashes (4-16)."),
    ADMIN_ALLOWED_CIDRS("--admin-allowed-cidrs", "127.0.0.0/8,::1/128",
            "Comma-separated networks from which admin endpoints and the console may be called. Behind a proxy the client address counts as TRUSTED_PROXIES resolves it (behind an nginx on the same host, without TRUSTED_PROXIES every client is loopback)."),
    OPS_ALLOWED_CIDRS("--ops-allowed-cidrs", "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7",
            "Comma-separated networks that may read /metrics and the detailed /health (others get 403; /health/live and /health/ready stay open). Behind a proxy the client address counts as TRUSTED_PROXIES resolves it."),
    ADMIN_PHONE("--admin-phone", null, "Phone of an admin account created at start-up if absent."),
    ADMIN_PASSWORD("--admin-password", null, "Password of that admin account (prefer the environment variable)."),
    HTTP_BODY_LIMIT("--http-body-limit", "256kb", "Largest request body accepted (e.g. 64kb, 1mb)."),
    HTTP_BODY_TIMEOUT("--http-body-timeout", "15s",
            "How long a client may take to send an API or Socket.IO polling request body once its headers arrived, and the longest pause within an upload's body; then 408 and the connection is closed."),
    HTTP_COMPRESSION_MIN_SIZE("--http-compression-min-size", "1kb",
            "HTTP responses at least this large are gzip- or deflate-compressed for clients that send Accept-Encoding (off: never compress)."),
    HTTP_WORKER_THREADS("--http-worker-threads", "32", "Threads that run blocking request work (database, hashing)."),
    EVENT_LOOPS("--event-loops", "0", "Event-loop threads, each with its own HTTP listener (0: two per core)."),
    REALTIME_PING_INTERVAL("--realtime-ping-interval", "25s", "How often the Socket.IO gateway pings each client."),
    REALTIME_PING_TIMEOUT("--realtime-ping-timeout", "20s", "How long a client may take to answer a ping."),
    REALTIME_MAX_PAYLOAD("--realtime-max-payload", "1000000",
            "Largest Socket.IO message or polling request body, in bytes."),
    REALTIME_MAX_BUFFERED("--realtime-max-buffered", "1mb",
            "Outbound bytes queued for one client before it is disconnected as too slow."),
    REALTIME_CORS_ORIGINS("--realtime-cors-origins", "*",
            "Comma-separated browser origins allowed to use HTTP long-polling (* for any)."),
    REALTIME_PER_MESSAGE_DEFLATE("--realtime-per-message-deflate", "false",
            "Let Socket.IO WebSocket clients negotiate permessage-deflate (true/false); off by default as in Socket.IO 4: it saves bytes on the wire for CPU on every delivery."),
    REALTIME_OUTAGE_HOLD("--realtime-outage-hold", "10000",
            "Realtime broadcasts and commands a node holds for the other nodes while Redis is unreachable; beyond it the oldest are dropped and counted."),
    REALTIME_RECOVERY_WINDOW("--realtime-recovery-window", "2m",
            "How long a Socket.IO client that lost its connection can recover it, on any node: same socket id, its rooms, and the broadcasts it missed (chat, notification, sos:alert, presence); 0 turns recovery off."),
    REALTIME_RECOVERY_HISTORY("--realtime-recovery-history", "1000",
            "Broadcasts kept per room for recovering clients (Redis stream per room); a client that missed more cannot recover and re-syncs."),
    LOCATION_TTL("--location-ttl", "5m",
            "How long a trip's latest location, and an online driver's place in the nearby search, last without updates."),
    LOCATION_HISTORY_FLUSH("--location-history-flush", "2s",
            "Route history is written to PostgreSQL at least this often (at most this much is lost in a crash)."),
    LOCATION_HISTORY_BATCH("--location-history-batch", "1000", "Route points written per batch at most."),
    LOCATION_HISTORY_BUFFER("--location-history-buffer", "200000",
            "Route points buffered per node before new ones are dropped (when PostgreSQL cannot keep up)."),
    PRESENCE_TTL("--presence-ttl", "45s",
            "How long a node's sockets count as online without its heartbeat (bounds offline detection after a crash)."),
    SHUTDOWN_TIMEOUT("--shutdown-timeout", "20s", "How long a graceful shutdown waits for in-flight requests."),
    SHUTDOWN_READY_GRACE("--shutdown-ready-grace", "5s",
            "On SIGTERM, how long the node keeps serving while /health/ready answers 503 and every response says Connection: close, before it stops accepting (lets a load balancer move away; 0: stop at once)."),
    LOG_FORMAT("--log-format", "text", "Log format: text or json."),
    LOG_LEVEL("--log-level", "info", "Log level: error, warn, info, debug or trace."),
    ACCESS_LOG("--access-log", "false", "Log one line per HTTP request (true/false)."),
    WORKER_QUEUES("--worker-queues", "all",
            "Queues this process works on: all (the built-in queues), none, or name[:concurrency[:perMinute]],... (e.g. notify-sms:8:100)."),
    WORKER_CONCURRENCY("--worker-concurrency", "8", "Jobs of one queue a process runs at once, unless the queue says otherwise."),
    JOB_LEASE("--job-lease", "30s", "How long a running job stays reserved without renewal before another worker takes it over."),
    QUEUE_DEPTH_WARN("--queue-depth-warn", "5000",
            "Waiting jobs above which a queue logs a scale-out warning and enqueues answer 202 with the position."),
    SMS_PRIMARY_URL("--sms-primary-url", null, "HTTP endpoint of the primary SMS provider (e.g. Twilio). Unset: the development outbox."),
    SMS_PRIMARY_KEY("--sms-primary-key", null, "API key of the primary SMS provider (sent as a bearer token)."),
    SMS_FALLBACK_URL("--sms-fallback-url", null, "HTTP endpoint of the fallback SMS provider (e.g. MSG91)."),
    SMS_FALLBACK_KEY("--sms-fallback-key", null, "API key of the fallback SMS provider."),
    EMAIL_PRIMARY_URL("--email-primary-url", null, "HTTP endpoint of the primary email provider (e.g. SendGrid). Unset: the development outbox."),
    EMAIL_PRIMARY_KEY("--email-primary-key", null, "API key of the primary email provider."),
    EMAIL_FALLBACK_URL("--email-fallback-url", null, "HTTP endpoint of the fallback email provider (e.g. Mailgun)."),
    EMAIL_FALLBACK_KEY("--email-fallback-key", null, "API key of the fallback email provider."),
    PUSH_PRIMARY_URL("--push-primary-url", null, "HTTP endpoint of the primary push provider (e.g. FCM). Unset: the development outbox."),
    PUSH_PRIMARY_KEY("--push-primary-key", null, "API key of the primary push provider."),
    PUSH_FALLBACK_URL("--push-fallback-url", null, "HTTP endpoint of the fallback push provider."),
    PUSH_FALLBACK_KEY("--push-fallback-key", null, "API key of the fallback push provider."),
    NOTIFY_TIMEOUT("--notify-timeout", "10s", "How long one call to a notification provider may take before it counts as failed."),
    RATE_LIMIT_ENABLED("--rate-limit-enabled", "true", "Rate-limit API requests per client (true/false); shared through Redis when REDIS_URL is set."),
    RATE_LIMIT_ANONYMOUS("--rate-limit-anonymous", "100/1m", "Quota of a client IP on public routes (requests/window, e.g. 100/1m)."),
    RATE_LIMIT_AUTHENTICATED("--rate-limit-authenticated", "500/1m", "Quota of a signed-in user."),
    RATE_LIMIT_PREMIUM("--rate-limit-premium", "1000/1m", "Quota of a premium user (admins)."),
    RATE_LIMIT_CRITICAL("--rate-limit-critical", "300/1m", "Quota of a user on critical routes (SOS, tracking), separate from every other quota."),
    RATE_LIMIT_UPLOAD("--rate-limit-upload", "20/1m", "Quota of a user on upload routes, separate from the tier quota."),
    RATE_LIMIT_SOCKET_EVENTS("--rate-limit-socket-events", "30/1s", "Events one Socket.IO socket may send (a burst of this many, refilled evenly); an event beyond it is answered RATE_LIMITED and not run."),
    RATE_LIMIT_PENALTY("--rate-limit-penalty", "1m", "Block for a repeat offender's third refusal episode within 15 minutes, doubling with each further one up to 1h (0 disables)."),
    TRUSTED_PROXIES("--trusted-proxies", null, "Comma-separated networks of proxies whose X-Forwarded-For is believed for client IPs (rate limits, ADMIN_ALLOWED_CIDRS, OPS_ALLOWED_CIDRS). Unset: none."),
    SHED_MAX_IN_FLIGHT("--shed-max-in-flight", "512", "Sheddable requests in flight above which normal requests get 503 (background ones from half of it)."),
    SHED_EVENT_LOOP_LAG("--shed-event-loop-lag", "250ms", "Event-loop lag, lasting 2 s, above which normal requests get 503 (background ones from half of it)."),
    SHED_POOL_WAITING("--shed-pool-waiting", "32", "Threads waiting for a database connection, for a whole second, above which normal requests get 503 (background ones from half of it)."),
    SHED_QUEUE_DELAY("--shed-queue-delay", "20ms", "Queueing delay (the least wait of sheddable requests for a worker thread plus the least wait for a main-pool connection), lasting 0.5 s, above which normal requests get 503 (background ones from half of it); 0 turns it off."),
    HTTP_CRITICAL_THREADS("--http-critical-threads", "8", "Worker threads reserved for routes that are never shed (SOS, tracking, auth)."),
    DB_CRITICAL_POOL("--db-critical-pool", "3", "Database connections in a pool of their own reserved for critical work (SOS), untouched by other traffic."),
    DB_CRITICAL_YIELD("--db-critical-yield", "1", "Main-pool connections that may be in use while an SOS is being written on the reserved pool: the main pool's other callers wait until it commits, so that PostgreSQL and the CPU serve it first (DB_POOL_MAX or more turns this off)."),
    DB_BREAKER_THRESHOLD("--db-breaker-threshold", "5", "Failed database connections in a row that open its circuit breaker (then requests needing it get 503 at once)."),
    DB_BREAKER_OPEN("--db-breaker-open", "5s", "Longest time the database circuit breaker stays open between trial calls (the first comes 0.5 s after it opens, then the wait doubles up to this)."),
    REDIS_BREAKER_THRESHOLD("--redis-breaker-threshold", "3", "Failed Redis calls in a row that open its circuit breaker (then local limits, database reads)."),
    REDIS_BREAKER_OPEN("--redis-breaker-open", "5s", "Longest time the Redis circuit breaker stays open between trial calls (the first comes 0.5 s after it opens, then the wait doubles up to this)."),
    CACHE_PROFILE_TTL("--cache-profile-ttl", "5m", "How long user profiles (GET /users/{id}, GET /me) stay cached."),
    CACHE_TRIP_TTL("--cache-trip-ttl", "30s", "How long a trip (GET /trips/{id}) stays cached."),
    CACHE_SEARCH_TTL("--cache-search-ttl", "30s", "How long a trip search page stays cached."),
    SESSION_CACHE_TTL("--session-cache-ttl", "30s", "How long a node may trust its cached view of a user's revoked tokens, role and deletion (bounds the delay if invalidations are lost or the change bypassed the API)."),
    IDEMPOTENCY_TTL("--idempotency-ttl", "24h", "How long an Idempotency-Key is remembered with its answer: a retry with the same key within it replays the answer instead of creating again (decision 0052)."),
    SOS_ACK_DEADLINE("--sos-ack-deadline", "60s", "How long an SOS alert may stay unacknowledged by an operator at each step of the acknowledgement ladder before the next tier is alerted (first the on-call contact, then SOS_ESCALATION_TIERS)."),
    SOS_ESCALATE_AFTER("--sos-escalate-after", null, "Former name of SOS_ACK_DEADLINE; when set, it is used instead."),
    SOS_ESCALATION_TIERS("--sos-escalation-tiers", null, "Tiers of the acknowledgement ladder after the on-call contact, separated by ';', each a comma-separated list of sms:PHONE, email:ADDRESS or push:USER_ID (e.g. sms:+919800000001;sms:+919800000002,email:duty@example.com). Unset: the on-call contact only."),
    SOS_ESCALATION_REPEATS("--sos-escalation-repeats", "0", "How many more times the last tier of the ladder is alerted, one SOS_ACK_DEADLINE apart, while the alert stays unacknowledged."),
    SOS_ONCALL_PHONE("--sos-oncall-phone", null, "Phone of the on-call contact (SMS on escalation). Unset: escalations reach the admins' dashboards only."),
    SOS_ONCALL_EMAIL("--sos-oncall-email", null, "Email of the on-call contact (on escalation)."),
    SHARE_TTL_AFTER_END("--share-ttl-after-end", "1h", "How long a share-my-trip link keeps working once its trip is completed or cancelled (a link never lives more than 24 h)."),
    SHARE_RATE_LIMIT("--share-rate-limit", "120/1m", "Requests one share-my-trip link may serve (its page and live state together, every viewer of it); beyond it 429."),
    CONSOLE_TILE_URL("--console-tile-url", null, "Map tiles for the operator console's live map, as an http(s) URL template with {z}, {x} and {y} (e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png); its origin is added to the console's Content-Security-Policy for images. Unset: positions on a plain background, nothing fetched from elsewhere."),
    SAFETY_MONITOR("--safety-monitor", "true", "Run the trip safety monitor on this node (true/false): it takes its share of the active trips and watches them for unexpected stops, route deviations, GPS silence, early ends and speeding."),
    SAFETY_STOP_AFTER("--safety-stop-after", "5m", "No movement beyond 150 m for this long, away from the trip's source and destination, is an unexpected stop."),
    SAFETY_SILENCE_AFTER("--safety-silence-after", "2m", "No location for this long during an active trip is GPS silence."),
    SAFETY_CHECK_DEADLINE("--safety-check-deadline", "2m", "How long a rider has to answer a safety check-in (\"Is everything OK?\") before an SOS is raised for them."),
    SAFETY_CORRIDOR_FACTOR("--safety-corridor-factor", "0.3", "Half-width of a trip's route corridor as a share of the straight source-destination distance; leaving it is a route deviation."),
    SAFETY_CORRIDOR_MIN_KM("--safety-corridor-min-km", "2", "Least half-width of the route corridor, in km."),
    SAFETY_AWAY_TOLERANCE_KM("--safety-away-tolerance-km", "3", "Moving this many km farther from the destination than the trip has been is a route deviation."),
    SAFETY_DEVIATION_FOR("--safety-deviation-for", "2m", "How long a route deviation must last before it is reported."),
    SAFETY_SPEED_LIMIT("--safety-speed-limit", "130", "Speed in km/h above which a trip is speeding."),
    SAFETY_SPEED_FOR("--safety-speed-for", "30s", "How long speeding must last before it is reported."),
    SAFETY_END_RADIUS_KM("--safety-end-radius-km", "2", "A trip completed farther than this many km from its destination ended early; stops within it of the source or destination are expected."),
    SAFETY_TICK("--safety-tick", "1s", "How often a node evaluates the trips it watches (GPS silence, locations received by other nodes)."),
    SAFETY_LEASE("--safety-lease", "15s", "How long a node's hold on a watched trip lasts without renewal; a dead node's trips move to another node after it."),
    BACKUP_SCHEDULE("--backup-schedule", "off",
            "How often the cluster backs itself up to BACKUP_TO: off, hourly, daily (slots aligned to UTC) or an interval such as 6h; exactly one node runs each backup, as a job on the ops queue."),
    BACKUP_TO("--backup-to", null,
            "Where scheduled backups go: a directory or s3://bucket/prefix (S3_* settings); each run writes hushryd-YYYYMMDDTHHMMZ under it. Required with BACKUP_SCHEDULE."),
    RETENTION_INTERVAL("--retention-interval", "1h", "How often the cluster prunes old history (one job per interval for the whole cluster)."),
    RETENTION_ROUTE_POINTS("--retention-route-points", "90d", "Route history points (trip_locations) older than this are deleted (0: keep forever)."),
    RETENTION_CHAT("--retention-chat", "365d", "Chat messages older than this are deleted (0: keep forever)."),
    RETENTION_JOBS("--retention-jobs", "14d", "Finished jobs (completed, and failed ones left in the failed set) older than this are deleted (0: keep forever)."),
    RETENTION_NOTIFICATIONS("--retention-notifications", "30d", "Messages of the development notification outbox older than this are deleted (0: keep forever). SOS alerts, their notifications and timelines are never pruned."),
    OBJECT_STORE("--object-store", "local",
            "Where uploaded documents are kept: local (files under DATA_DIR, uploaded through this node) or s3."),
    PUBLIC_URL("--public-url", null,
            "Base URL clients reach this node at (e.g. https://api.example.com), used in local upload URLs. Unset: the Host of each request."),
    S3_ENDPOINT("--s3-endpoint", null, "S3-compatible endpoint URL (MinIO, s3proxy, another cloud). Unset: AWS S3 in S3_REGION."),
    S3_BUCKET("--s3-bucket", null, "Bucket for documents (required with OBJECT_STORE=s3)."),
    S3_REGION("--s3-region", "us-east-1", "Region that S3 requests are signed for."),
    S3_ACCESS_KEY_ID("--s3-access-key-id", null,
            "S3 access key id. Unset (with S3_SECRET_ACCESS_KEY): the AWS default credentials chain."),
    S3_SECRET_ACCESS_KEY("--s3-secret-access-key", null, "S3 secret access key (prefer the environment variable)."),
    S3_PATH_STYLE("--s3-path-style", "false", "Address buckets as endpoint/bucket/key (MinIO, s3proxy) instead of bucket.endpoint/key."),
    UPLOAD_URL_TTL("--upload-url-ttl", "1h", "How long an upload URL stays valid."),
    UPLOAD_MAX_SIZE("--upload-max-size", "10mb", "Largest document accepted (e.g. 5mb)."),
    UPLOAD_STREAMS("--upload-streams", "256",
            "Uploads the local store receives at once; more wait with their sockets paused (bounds memory and open files).");

    private final String flag;
    private final String defaultValue;
    private final String description;

    Setting(String flag, String defaultValue, String description) {
        this.flag = flag;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String env() {
        return name();
    }

    public String flag() {
        return flag;
    }

    /** The default, or null when the setting is optional and unset by default. */
    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    /** Whether the value is a secret that must never be printed. */
    public boolean secret() {
        return this == JWT_SECRET || this == JWT_PREVIOUS_SECRET || this == ADMIN_PASSWORD || name().endsWith("_KEY");
    }
}
