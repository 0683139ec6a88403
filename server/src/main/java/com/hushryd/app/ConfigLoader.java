package com.hushryd.app;

import com.hushryd.common.LogFormat;
import com.hushryd.common.Durations;
import com.hushryd.common.Validator;
import com.hushryd.sos.SosSettings;
import com.hushryd.auth.Cidr;
import com.hushryd.jobs.QueueType;
import com.hushryd.jobs.WorkerPlan;
import com.hushryd.notify.BreakerSettings;
import com.hushryd.notify.Channel;
import com.hushryd.notify.NotifySettings;
import com.hushryd.notify.ProviderEndpoint;
import com.hushryd.protect.ProtectionSettings;
import com.hushryd.protect.breaker.BreakerPolicy;
import com.hushryd.protect.ratelimit.Limit;
import com.hushryd.protect.ratelimit.Penalties;
import com.hushryd.protect.shedding.LoadShedder;
import java.net.URI;
import java.net.URISyntaxException;
import com.hushryd.store.DatabaseUrl;
import com.hushryd.store.RedisUrl;
import com.hushryd.store.replica.ReplicaSettings;
import com.hushryd.uploads.UploadSettings;
import com.hushryd.uploads.S3Settings;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a {@link Config} from environment variables and command-line flags (flags win), validating every value.
 * The first bad value stops the load with a {@link ConfigException} naming the variable.
 */
public final class ConfigLoader {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|k|mb|m)?");
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern ROUTE = Pattern.compile("[A-Za-z0-9]{1,16}");
    static final String AUTO = "auto";
    static final int EXTERNAL_POOL_MAX = 20;

    private final Map<String, String> env;
    private final Map<Setting, String> flags;

    private ConfigLoader(Map<String, String> env, Map<Setting, String> flags) {
        this.env = env;
        this.flags = flags.isEmpty() ? new EnumMap<>(Setting.class) : new EnumMap<>(flags);
    }

    /** Loads the configuration from these variables (usually {@code System.getenv()}) and flag values. */
    public static Config load(Map<String, String> env, Map<Setting, String> flags) {
        return new ConfigLoader(env, flags).build();
    }

    public static Config load(Map<String, String> env) {
        return load(env, Map.of());
    }

    /**
     * DB_POOL_MAX=auto: twice the database's cores plus two when the database is the embedded one (it runs on this
     * machine, so its cores are ours; more connections than that only queue statements inside PostgreSQL, decision
     * 0057); 20 with DATABASE_URL, whose server's cores a node cannot see.
     */
    static int autoPoolMax(boolean embeddedDatabase, int cores) {
        return embeddedDatabase ? 2 * cores + 2 : EXTERNAL_POOL_MAX;
    }

    private Config build() {
        int dbPoolMax = string(Setting.DB_POOL_MAX).equals(AUTO)
                ? autoPoolMax(optional(Setting.DATABASE_URL).isEmpty(), Runtime.getRuntime().availableProcessors())
                : integer(Setting.DB_POOL_MAX, 1, 1000);
        int dbPoolMin = integer(Setting.DB_POOL_MIN, 0, 1000);
        if (dbPoolMin > dbPoolMax) {
            throw new ConfigException(name(Setting.DB_POOL_MIN) + ": must not exceed DB_POOL_MAX (" + dbPoolMax
                    + "), got " + dbPoolMin);
        }
        Optional<String> jwtSecret = optional(Setting.JWT_SECRET).map(s -> secret(Setting.JWT_SECRET, s));
        Optional<String> jwtPrevious = optional(Setting.JWT_PREVIOUS_SECRET)
                .map(s -> secret(Setting.JWT_PREVIOUS_SECRET, s));
        Optional<String> adminPhone = optional(Setting.ADMIN_PHONE);
        Optional<String> adminPassword = optional(Setting.ADMIN_PASSWORD);
        if (adminPhone.isPresent() != adminPassword.isPresent()) {
            throw new ConfigException("ADMIN_PHONE and ADMIN_PASSWORD must be set together");
        }
        QueueType queueType = choice(Setting.QUEUE_TYPE, QueueType.class);
        Optional<String> rabbitmq = optional(Setting.RABBITMQ_URL);
        rabbitmq.ifPresent(url -> {
            if (!url.startsWith("amqp://") && !url.startsWith("amqps://")) {
                throw new ConfigException(name(Setting.RABBITMQ_URL) + ": expected amqp://user:pass@host:5672/vhost");
            }
        });
        if (queueType == QueueType.RABBITMQ && rabbitmq.isEmpty()) {
            throw new ConfigException(name(Setting.RABBITMQ_URL) + ": required when QUEUE_TYPE=rabbitmq");
        }
        Optional<RedisUrl> redis = optional(Setting.REDIS_URL).map(v -> parse(Setting.REDIS_URL, v, RedisUrl::parse));
        if (queueType == QueueType.REDIS && redis.isEmpty()) {
            throw new ConfigException(name(Setting.REDIS_URL) + ": required when QUEUE_TYPE=redis");
        }
        int workerConcurrency = integer(Setting.WORKER_CONCURRENCY, 1, 1024);
        WorkerPlan workerQueues = parse(Setting.WORKER_QUEUES, string(Setting.WORKER_QUEUES),
                v -> WorkerPlan.parse(v, workerConcurrency));
        String logLevel = string(Setting.LOG_LEVEL).toLowerCase(Locale.ROOT);
        if (!List.of("error", "warn", "info", "debug", "trace").contains(logLevel)) {
            throw new ConfigException(name(Setting.LOG_LEVEL) + ": expected error, warn, info, debug or trace, got '"
                    + logLevel + "'");
        }
        return new Config(
                integer(Setting.PORT, 0, 65535),
                string(Setting.HOST),
                advertiseAddress(),
                nodeId(),
                route(),
                path(Setting.DATA_DIR),
                optional(Setting.DATABASE_URL).map(v -> parse(Setting.DATABASE_URL, v, DatabaseUrl::parse)),
                dbPoolMax,
                dbPoolMin,
                duration(Setting.DB_POOL_TIMEOUT, Duration.ofMillis(250), Duration.ofMinutes(5)),
                duration(Setting.DB_QUERY_TIMEOUT, Duration.ofMillis(100), Duration.ofHours(1)),
                redis,
                queueType,
                rabbitmq,
                jwtSecret,
                jwtPrevious,
                duration(Setting.JWT_TTL, Duration.ofMinutes(1), Duration.ofDays(30)),
                integer(Setting.BCRYPT_COST, 4, 16),
                cidrs(Setting.ADMIN_ALLOWED_CIDRS),
                adminPhone,
                adminPassword,
                size(Setting.HTTP_BODY_LIMIT, 1024, 64L * 1024 * 1024),
                duration(Setting.HTTP_BODY_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(10)),
                integer(Setting.HTTP_WORKER_THREADS, 1, 1024),
                eventLoops(),
                duration(Setting.REALTIME_PING_INTERVAL, Duration.ofMillis(100), Duration.ofMinutes(10)),
                duration(Setting.REALTIME_PING_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(10)),
                (int) size(Setting.REALTIME_MAX_PAYLOAD, 1024, 100L * 1024 * 1024),
                (int) size(Setting.REALTIME_MAX_BUFFERED, 16 * 1024, 1024L * 1024 * 1024),
                list(Setting.REALTIME_CORS_ORIGINS),
                integer(Setting.REALTIME_OUTAGE_HOLD, 0, 1_000_000),
                duration(Setting.REALTIME_RECOVERY_WINDOW, Duration.ZERO, Duration.ofHours(24)),
                integer(Setting.REALTIME_RECOVERY_HISTORY, 1, 1_000_000),
                duration(Setting.PRESENCE_TTL, Duration.ofSeconds(3), Duration.ofHours(1)),
                duration(Setting.LOCATION_TTL, Duration.ofSeconds(1), Duration.ofHours(24)),
                duration(Setting.LOCATION_HISTORY_FLUSH, Duration.ofMillis(100), Duration.ofMinutes(5)),
                integer(Setting.LOCATION_HISTORY_BATCH, 1, 100_000),
                integer(Setting.LOCATION_HISTORY_BUFFER, 100, 10_000_000),
                duration(Setting.SHUTDOWN_TIMEOUT, Duration.ZERO, Duration.ofMinutes(10)),
                duration(Setting.SHUTDOWN_READY_GRACE, Duration.ZERO, Duration.ofMinutes(10)),
                choice(Setting.LOG_FORMAT, LogFormat.class),
                logLevel,
                bool(Setting.ACCESS_LOG),
                workerQueues,
                workerConcurrency,
                duration(Setting.JOB_LEASE, Duration.ofSeconds(1), Duration.ofHours(1)),
                integer(Setting.QUEUE_DEPTH_WARN, 1, 100_000_000),
                notifySettings(),
                sosSettings(),
                safetySettings(),
                new com.hushryd.share.ShareSettings(duration(Setting.SHARE_TTL_AFTER_END, Duration.ZERO,
                        Duration.ofHours(23)), limit(Setting.SHARE_RATE_LIMIT, "share")),
                uploadSettings(),
                protection(),
                duration(Setting.IDEMPOTENCY_TTL, Duration.ofMinutes(1), Duration.ofDays(30)),
                new ReplicaSettings(readUrls(), duration(Setting.DB_REPLICA_MAX_LAG, Duration.ofMillis(100),
                        Duration.ofHours(1))),
                string(Setting.HTTP_COMPRESSION_MIN_SIZE).equalsIgnoreCase("off") ? -1
                        : (int) size(Setting.HTTP_COMPRESSION_MIN_SIZE, 0, 64L * 1024 * 1024),
                bool(Setting.REALTIME_PER_MESSAGE_DEFLATE),
                opsSettings(),
                tileUrl());
    }

    private com.hushryd.ops.OpsSettings opsSettings() {
        Optional<URI> endpoint = optional(Setting.S3_ENDPOINT).map(v -> httpUrl(Setting.S3_ENDPOINT, v));
        // the bucket of an s3:// backup location comes from the location itself
        S3Settings backupS3 = new S3Settings(endpoint, optional(Setting.S3_BUCKET).orElse("unset"),
                string(Setting.S3_REGION), optional(Setting.S3_ACCESS_KEY_ID), optional(Setting.S3_SECRET_ACCESS_KEY),
                bool(Setting.S3_PATH_STYLE));
        String schedule = string(Setting.BACKUP_SCHEDULE).trim().toLowerCase(Locale.ROOT);
        Optional<Duration> backupEvery = switch (schedule) {
            case "off" -> Optional.empty();
            case "hourly" -> Optional.of(Duration.ofHours(1));
            case "daily" -> Optional.of(Duration.ofDays(1));
            default -> {
                if (Durations.parse(schedule) == null) {
                    throw new ConfigException(name(Setting.BACKUP_SCHEDULE) + ": expected off, hourly, daily or an "
                            + "interval such as 6h, got '" + schedule + "'");
                }
                yield Optional.of(duration(Setting.BACKUP_SCHEDULE, Duration.ofMinutes(1), Duration.ofDays(31)));
            }
        };
        Optional<String> backupTo = optional(Setting.BACKUP_TO);
        if (backupEvery.isPresent() && backupTo.isEmpty()) {
            throw new ConfigException(name(Setting.BACKUP_TO) + ": required when BACKUP_SCHEDULE is not off");
        }
        com.hushryd.ops.OpsSettings.Retention retention = new com.hushryd.ops.OpsSettings.Retention(
                duration(Setting.RETENTION_INTERVAL, Duration.ofSeconds(1), Duration.ofDays(7)),
                duration(Setting.RETENTION_ROUTE_POINTS, Duration.ZERO, Duration.ofDays(36500)),
                duration(Setting.RETENTION_CHAT, Duration.ZERO, Duration.ofDays(36500)),
                duration(Setting.RETENTION_JOBS, Duration.ZERO, Duration.ofDays(36500)),
                duration(Setting.RETENTION_NOTIFICATIONS, Duration.ZERO, Duration.ofDays(36500)));
        return new com.hushryd.ops.OpsSettings(cidrs(Setting.OPS_ALLOWED_CIDRS), trustedProxies(), backupS3,
                backupEvery, backupTo, retention);
    }

    private List<Cidr> trustedProxies() {
        List<Cidr> proxies = new ArrayList<>();
        for (String part : optional(Setting.TRUSTED_PROXIES).orElse("").split(",")) {
            if (!part.isBlank()) {
                proxies.add(parse(Setting.TRUSTED_PROXIES, part.trim(), Cidr::parse));
            }
        }
        return proxies;
    }

    /** CONSOLE_TILE_URL: an absolute http(s) URL template naming {z}, {x} and {y}. */
    private Optional<String> tileUrl() {
        Optional<String> url = optional(Setting.CONSOLE_TILE_URL).map(String::trim).filter(u -> !u.isEmpty());
        if (url.isPresent()) {
            String u = url.get();
            boolean ok = (u.startsWith("https://") || u.startsWith("http://")) && u.contains("{z}")
                    && u.contains("{x}") && u.contains("{y}") && u.chars().noneMatch(ch -> ch <= ' ' || ch == '\''
                    || ch == '"' || ch == ';' || ch == ',');
            if (ok) {
                try {
                    ok = com.hushryd.console.ConsoleRoutes.origin(u).matches("https?://[A-Za-z0-9.\\-\\[\\]:]+");
                } catch (IllegalArgumentException e) {
                    ok = false;
                }
            }
            if (!ok) {
                throw new ConfigException(name(Setting.CONSOLE_TILE_URL) + ": must be an http(s) URL template with "
                        + "{z}, {x} and {y}, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (got '" + u + "')");
            }
        }
        return url;
    }

    private List<DatabaseUrl> readUrls() {
        List<DatabaseUrl> urls = new ArrayList<>();
        for (String part : optional(Setting.DATABASE_READ_URLS).orElse("").split(",")) {
            if (!part.isBlank()) {
                urls.add(parse(Setting.DATABASE_READ_URLS, part.trim(), DatabaseUrl::parse));
            }
        }
        return urls;
    }

    private ProtectionSettings protection() {
        ProtectionSettings.RateLimits limits = null;
        if (bool(Setting.RATE_LIMIT_ENABLED)) {
            List<Cidr> proxies = trustedProxies();
            limits = new ProtectionSettings.RateLimits(limit(Setting.RATE_LIMIT_ANONYMOUS, "anonymous"),
                    limit(Setting.RATE_LIMIT_AUTHENTICATED, "authenticated"), limit(Setting.RATE_LIMIT_PREMIUM, "premium"),
                    limit(Setting.RATE_LIMIT_CRITICAL, "critical"), limit(Setting.RATE_LIMIT_UPLOAD, "upload"),
                    Penalties.of(duration(Setting.RATE_LIMIT_PENALTY, Duration.ZERO, Duration.ofDays(1))), proxies,
                    limit(Setting.RATE_LIMIT_SOCKET_EVENTS, "socket-events"));
        }
        return new ProtectionSettings(limits,
                new LoadShedder.Limits(integer(Setting.SHED_MAX_IN_FLIGHT, 1, 1_000_000),
                        duration(Setting.SHED_EVENT_LOOP_LAG, Duration.ofMillis(10), Duration.ofMinutes(1)),
                        integer(Setting.SHED_POOL_WAITING, 1, 100_000),
                        duration(Setting.SHED_QUEUE_DELAY, Duration.ZERO, Duration.ofMinutes(1))),
                integer(Setting.HTTP_CRITICAL_THREADS, 1, 256),
                integer(Setting.DB_CRITICAL_POOL, 0, 100),
                integer(Setting.DB_CRITICAL_YIELD, 0, 1000),
                new BreakerPolicy(integer(Setting.DB_BREAKER_THRESHOLD, 1, 1000),
                        duration(Setting.DB_BREAKER_OPEN, Duration.ofMillis(100), Duration.ofHours(1)),
                        Duration.ofSeconds(30)),
                new BreakerPolicy(integer(Setting.REDIS_BREAKER_THRESHOLD, 1, 1000),
                        duration(Setting.REDIS_BREAKER_OPEN, Duration.ofMillis(100), Duration.ofHours(1)),
                        Duration.ofSeconds(5)),
                duration(Setting.CACHE_PROFILE_TTL, Duration.ofSeconds(1), Duration.ofDays(1)),
                duration(Setting.CACHE_TRIP_TTL, Duration.ofSeconds(1), Duration.ofDays(1)),
                duration(Setting.CACHE_SEARCH_TTL, Duration.ofSeconds(1), Duration.ofDays(1)),
                duration(Setting.SESSION_CACHE_TTL, Duration.ofSeconds(1), Duration.ofHours(1)));
    }

    private Limit limit(Setting s, String name) {
        return parse(s, string(s), v -> Limit.parse(name, v));
    }

    private SosSettings sosSettings() {
        Optional<String> phone = optional(Setting.SOS_ONCALL_PHONE);
        Optional<String> email = optional(Setting.SOS_ONCALL_EMAIL);
        Validator v = new Validator();
        String onCallPhone = v.phone(name(Setting.SOS_ONCALL_PHONE), phone.orElse(null), false);
        String onCallEmail = v.email(name(Setting.SOS_ONCALL_EMAIL), email.orElse(null), false);
        try {
            v.throwIfInvalid();
        } catch (com.hushryd.common.ApiException e) {
            throw new ConfigException(e.getMessage());
        }
        Duration deadline = optional(Setting.SOS_ESCALATE_AFTER).isPresent()
                ? duration(Setting.SOS_ESCALATE_AFTER, Duration.ofSeconds(1), Duration.ofDays(1))
                : duration(Setting.SOS_ACK_DEADLINE, Duration.ofSeconds(1), Duration.ofDays(1));
        return new SosSettings(deadline, Optional.ofNullable(onCallPhone), Optional.ofNullable(onCallEmail),
                SosSettings.DEFAULT_ATTEMPTS, escalationTiers(), integer(Setting.SOS_ESCALATION_REPEATS, 0, 100));
    }

    /** SOS_ESCALATION_TIERS: {@code sms:+91...,email:a@b;sms:+91...}. */
    private List<SosSettings.Tier> escalationTiers() {
        List<SosSettings.Tier> tiers = new ArrayList<>();
        String raw = optional(Setting.SOS_ESCALATION_TIERS).orElse("");
        for (String tier : raw.split(";")) {
            if (tier.isBlank()) {
                continue;
            }
            List<SosSettings.Contact> contacts = new ArrayList<>();
            for (String contact : tier.split(",")) {
                String c = contact.trim();
                int colon = c.indexOf(':');
                String channel = colon < 0 ? "" : c.substring(0, colon).toLowerCase(Locale.ROOT);
                String to = colon < 0 ? "" : c.substring(colon + 1).trim();
                Validator v = new Validator();
                switch (channel) {
                    case "sms" -> v.phone("phone", to, true);
                    case "email" -> v.email("email", to, true);
                    case "push" -> v.check(to.length() == 36 && isUuid(to), "push", "must name a user id");
                    default -> v.fail("channel", "must be sms, email or push");
                }
                if (!v.valid()) {
                    throw new ConfigException(name(Setting.SOS_ESCALATION_TIERS) + ": '" + c + "' is not "
                            + "channel:address with channel sms (a phone), email (an address) or push (a user id)");
                }
                contacts.add(new SosSettings.Contact(channel, to));
            }
            tiers.add(new SosSettings.Tier(contacts));
        }
        return tiers;
    }

    private static boolean isUuid(String s) {
        try {
            java.util.UUID.fromString(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private com.hushryd.safety.SafetySettings safetySettings() {
        Duration tick = duration(Setting.SAFETY_TICK, Duration.ofMillis(100), Duration.ofMinutes(1));
        Duration lease = duration(Setting.SAFETY_LEASE, Duration.ofSeconds(3), Duration.ofMinutes(10));
        if (lease.compareTo(tick.multipliedBy(3)) < 0) {
            throw new ConfigException(name(Setting.SAFETY_LEASE) + ": must be at least 3 x SAFETY_TICK (" + tick
                    + "), got " + lease);
        }
        return new com.hushryd.safety.SafetySettings(bool(Setting.SAFETY_MONITOR),
                duration(Setting.SAFETY_STOP_AFTER, Duration.ofSeconds(1), Duration.ofHours(2)),
                duration(Setting.SAFETY_SILENCE_AFTER, Duration.ofSeconds(1), Duration.ofHours(2)),
                duration(Setting.SAFETY_CHECK_DEADLINE, Duration.ofSeconds(1), Duration.ofHours(1)),
                decimal(Setting.SAFETY_CORRIDOR_FACTOR, 0.01, 10),
                decimal(Setting.SAFETY_CORRIDOR_MIN_KM, 0.1, 500),
                decimal(Setting.SAFETY_AWAY_TOLERANCE_KM, 0.1, 500),
                duration(Setting.SAFETY_DEVIATION_FOR, Duration.ZERO, Duration.ofHours(2)),
                decimal(Setting.SAFETY_SPEED_LIMIT, 10, 400),
                duration(Setting.SAFETY_SPEED_FOR, Duration.ZERO, Duration.ofHours(1)),
                decimal(Setting.SAFETY_END_RADIUS_KM, 0.1, 500), tick, lease);
    }

    private double decimal(Setting s, double min, double max) {
        String v = string(s);
        try {
            double n = Double.parseDouble(v);
            if (!(n >= min && n <= max)) {
                throw new ConfigException(name(s) + ": must be between " + min + " and " + max + ", got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(name(s) + ": expected a number, got '" + v + "'");
        }
    }

    private NotifySettings notifySettings() {
        Map<Channel, List<ProviderEndpoint>> providers = new EnumMap<>(Channel.class);
        Setting[][] bySetting = {
            {Setting.SMS_PRIMARY_URL, Setting.SMS_PRIMARY_KEY, Setting.SMS_FALLBACK_URL, Setting.SMS_FALLBACK_KEY},
            {Setting.EMAIL_PRIMARY_URL, Setting.EMAIL_PRIMARY_KEY, Setting.EMAIL_FALLBACK_URL,
                Setting.EMAIL_FALLBACK_KEY},
            {Setting.PUSH_PRIMARY_URL, Setting.PUSH_PRIMARY_KEY, Setting.PUSH_FALLBACK_URL, Setting.PUSH_FALLBACK_KEY}};
        Channel[] channels = {Channel.SMS, Channel.EMAIL, Channel.PUSH};
        for (int i = 0; i < channels.length; i++) {
            List<ProviderEndpoint> list = new ArrayList<>();
            provider(channels[i].label() + "-primary", bySetting[i][0], bySetting[i][1]).ifPresent(list::add);
            Optional<ProviderEndpoint> fallback = provider(channels[i].label() + "-fallback", bySetting[i][2],
                    bySetting[i][3]);
            if (fallback.isPresent() && list.isEmpty()) {
                throw new ConfigException(name(bySetting[i][2]) + ": a fallback needs a primary ("
                        + bySetting[i][0].env() + ")");
            }
            fallback.ifPresent(list::add);
            providers.put(channels[i], list);
        }
        Duration timeout = duration(Setting.NOTIFY_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(2));
        return new NotifySettings(providers, BreakerSettings.ofDefaults().withCallTimeout(timeout));
    }

    private UploadSettings uploadSettings() {
        UploadSettings.Store store = choice(Setting.OBJECT_STORE, UploadSettings.Store.class);
        Optional<URI> endpoint = optional(Setting.S3_ENDPOINT).map(v -> httpUrl(Setting.S3_ENDPOINT, v));
        Optional<String> bucket = optional(Setting.S3_BUCKET);
        Optional<String> keyId = optional(Setting.S3_ACCESS_KEY_ID);
        Optional<String> secretKey = optional(Setting.S3_SECRET_ACCESS_KEY);
        if (keyId.isPresent() != secretKey.isPresent()) {
            throw new ConfigException(name(keyId.isPresent() ? Setting.S3_SECRET_ACCESS_KEY : Setting.S3_ACCESS_KEY_ID)
                    + ": S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together");
        }
        String region = string(Setting.S3_REGION);
        if (!region.matches("[a-z0-9-]{1,64}")) {
            throw new ConfigException(name(Setting.S3_REGION) + ": expected a region such as ap-south-1, got '"
                    + region + "'");
        }
        Optional<S3Settings> s3 = Optional.empty();
        if (store == UploadSettings.Store.S3) {
            String b = bucket.orElseThrow(() -> new ConfigException(name(Setting.S3_BUCKET)
                    + ": required when OBJECT_STORE=s3"));
            if (!b.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw new ConfigException(name(Setting.S3_BUCKET) + ": not a valid bucket name: '" + b + "'");
            }
            s3 = Optional.of(new S3Settings(endpoint, b, region, keyId, secretKey, bool(Setting.S3_PATH_STYLE)));
        }
        return new UploadSettings(store, s3,
                duration(Setting.UPLOAD_URL_TTL, Duration.ofSeconds(1), Duration.ofDays(7)),
                size(Setting.UPLOAD_MAX_SIZE, 1024, 1024L * 1024 * 1024),
                integer(Setting.UPLOAD_STREAMS, 1, 100_000),
                optional(Setting.PUBLIC_URL).map(v -> httpUrl(Setting.PUBLIC_URL, v)));
    }

    private URI httpUrl(Setting s, String v) {
        URI uri;
        try {
            uri = new URI(v);
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                || (uri.getQuery() != null)) {
            throw new ConfigException(name(s) + ": expected an http:// or https:// URL, got '" + v + "'");
        }
        return uri;
    }

    private Optional<ProviderEndpoint> provider(String name, Setting url, Setting key) {
        Optional<String> u = optional(url);
        Optional<String> k = optional(key);
        if (u.isEmpty()) {
            if (k.isPresent()) {
                throw new ConfigException(name(key) + ": set " + url.env() + " too");
            }
            return Optional.empty();
        }
        URI uri;
        try {
            uri = new URI(u.get());
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw new ConfigException(name(url) + ": expected an http:// or https:// URL, got '" + u.get() + "'");
        }
        return Optional.of(new ProviderEndpoint(name, uri, k.orElse(null)));
    }

    /** The raw value of a setting: flag, else environment, else default; blank counts as unset. */
    private Optional<String> optional(Setting s) {
        String v = flags.get(s);
        if (v == null || v.isBlank()) {
            v = env.get(s.env());
        }
        if (v == null || v.isBlank()) {
            v = s.defaultValue();
        }
        return Optional.ofNullable(v).map(String::trim);
    }

    private String string(Setting s) {
        return optional(s).orElseThrow(() -> new ConfigException(name(s) + ": required"));
    }

    /** How a message names the setting: the flag when it came from one, else the variable. */
    private String name(Setting s) {
        return flags.get(s) != null && !flags.get(s).isBlank() ? s.flag() + " (" + s.env() + ")" : s.env();
    }

    private int integer(Setting s, int min, int max) {
        String v = string(s);
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new ConfigException(name(s) + ": must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(name(s) + ": expected a whole number, got '" + v + "'");
        }
    }

    private boolean bool(Setting s) {
        String v = string(s).toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new ConfigException(name(s) + ": expected true or false, got '" + v + "'");
        };
    }

    private <E extends Enum<E>> E choice(Setting s, Class<E> type) {
        String v = string(s);
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            List<String> allowed = new ArrayList<>();
            for (E c : type.getEnumConstants()) {
                allowed.add(c.name().toLowerCase(Locale.ROOT));
            }
            throw new ConfigException(name(s) + ": expected one of " + allowed + ", got '" + v + "'");
        }
    }

    private Duration duration(Setting s, Duration min, Duration max) {
        String v = string(s);
        Duration d = parseDuration(v);
        if (d == null) {
            throw new ConfigException(name(s) + ": expected a duration such as 500ms, 5s, 15m or 1h, got '" + v + "'");
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new ConfigException(name(s) + ": must be between " + min + " and " + max + ", got " + v);
        }
        return d;
    }

    /** Parses 500ms, 5s, 15m, 1h, 2d or a bare number of seconds; null if malformed. */
    public static Duration parseDuration(String v) {
        return Durations.parse(v);
    }

    private long size(Setting s, long min, long max) {
        String v = string(s);
        Matcher m = SIZE.matcher(v.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new ConfigException(name(s) + ": expected a size such as 65536, 64kb or 1mb, got '" + v + "'");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new ConfigException(name(s) + ": number too large: '" + v + "'");
        }
        String unit = m.group(2) == null ? "b" : m.group(2);
        long bytes = switch (unit) {
            case "kb", "k" -> n * 1024;
            case "mb", "m" -> n * 1024 * 1024;
            default -> n;
        };
        if (bytes < min || bytes > max) {
            throw new ConfigException(name(s) + ": must be between " + min + " and " + max + " bytes, got " + v);
        }
        return bytes;
    }

    private Path path(Setting s) {
        String v = string(s);
        try {
            return Path.of(v).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new ConfigException(name(s) + ": not a valid path: '" + v + "'");
        }
    }

    private String secret(Setting s, String v) {
        if (v.getBytes(StandardCharsets.UTF_8).length < 32) {
            throw new ConfigException(name(s) + ": must be at least 32 bytes long (HS256 needs a 256-bit key)");
        }
        return v;
    }

    private int eventLoops() {
        int n = integer(Setting.EVENT_LOOPS, 0, 256);
        return n == 0 ? 2 * Runtime.getRuntime().availableProcessors() : Math.min(n, 64);
    }

    private List<String> list(Setting s) {
        List<String> out = new ArrayList<>();
        for (String part : string(s).split(",")) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        if (out.isEmpty()) {
            throw new ConfigException(name(s) + ": must name at least one value");
        }
        return out;
    }

    private List<Cidr> cidrs(Setting setting) {
        List<Cidr> result = new ArrayList<>();
        for (String part : string(setting).split(",")) {
            if (!part.isBlank()) {
                result.add(parse(setting, part.trim(), Cidr::parse));
            }
        }
        return result;
    }

    private Optional<String> advertiseAddress() {
        Optional<String> a = optional(Setting.ADVERTISE_ADDRESS).map(String::trim);
        if (a.isPresent() && !a.get().matches("[A-Za-z0-9._\\-]+(:\\d{1,5})?|\\[[0-9A-Fa-f:.]+](:\\d{1,5})?|[0-9A-Fa-f:]+")) {
            throw new ConfigException(name(Setting.ADVERTISE_ADDRESS) + ": expected host or host:port (no scheme, "
                    + "no path), got '" + a.get() + "'");
        }
        return a;
    }

    private Optional<String> route() {
        Optional<String> v = optional(Setting.NODE_ROUTE);
        if (v.isPresent() && !ROUTE.matcher(v.get()).matches()) {
            throw new ConfigException(name(Setting.NODE_ROUTE) + ": 1-16 letters or digits, got '" + v.get() + "'");
        }
        return v;
    }

    private String nodeId() {
        Optional<String> v = optional(Setting.NODE_ID);
        if (v.isPresent()) {
            if (!NODE_ID.matcher(v.get()).matches()) {
                throw new ConfigException(name(Setting.NODE_ID)
                        + ": 1-64 characters of letters, digits, '.', '_' or '-', got '" + v.get() + "'");
            }
            return v.get();
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "node";
        }
        String id = (host.replaceAll("[^A-Za-z0-9._-]", "") + "-" + ProcessHandle.current().pid());
        return id.length() > 64 ? id.substring(id.length() - 64) : id;
    }

    private <T> T parse(Setting s, String value, Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name(s) + ": " + e.getMessage());
        }
    }
}
