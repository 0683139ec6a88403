package com.hushryd.jobs.redis;

import com.hushryd.jobs.Attempt;
import com.hushryd.jobs.Enqueued;
import com.hushryd.jobs.Job;
import com.hushryd.jobs.JobJson;
import com.hushryd.jobs.JobQueue;
import com.hushryd.jobs.JobQueueException;
import com.hushryd.jobs.JobRequest;
import com.hushryd.jobs.JobSource;
import com.hushryd.jobs.JobState;
import com.hushryd.jobs.Lease;
import com.hushryd.jobs.Priority;
import com.hushryd.jobs.QueueStats;
import com.hushryd.jobs.outbox.JobOutbox;
import com.hushryd.jobs.outbox.OutboxTarget;
import com.hushryd.store.Ids;
import com.hushryd.store.RedisConnector;
import com.hushryd.store.RedisLink;
import com.hushryd.store.RedisScript;
import com.hushryd.store.RedisUrl;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Job queues in Redis. Every key of a queue carries the hash tag {@code {queue}}, so one queue lives on one Redis
 * Cluster slot and every state change is one atomic Lua script (add, take, settle, extend, stalled, retry-failed).
 * Waiting jobs sit in a sorted set scored {@code priority × 10^15 + sequence} (priority first, then FIFO); delayed
 * jobs and retries in backoff in a set scored by due time; leased jobs in a set scored by lease deadline, which
 * renewals push forward and any worker's upkeep scans for stalled jobs. Idle workers block on a wake-up list.
 * See decision 0007.
 */
public final class RedisJobQueue implements JobQueue, OutboxTarget {
    private static final Logger log = LoggerFactory.getLogger(RedisJobQueue.class);
    private static final long KEY_TTL_SECONDS = 86_400;

    private final RedisLink client;
    private final RedisLink.Connection<String, String> connection;
    private final RedisClusterCommands<String, String> redis;
    private final String prefix;
    private final String workerId;
    private final Duration lease;
    private static final Map<String, RedisScript> SCRIPTS = scripts();
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    /** Queue → its last measured rate and when it was read: the estimate of an add reuses it (decision 0074). */
    private final Map<String, CachedRate> rates = new ConcurrentHashMap<>();

    /** How long an add's wait estimate may reuse a measured rate instead of reading the rate buckets again. */
    static final long RATE_REUSE_NANOS = 1_000_000_000L;

    private record CachedRate(double perSecond, long readAt) {
    }

    /** @param prefix put before every key, e.g. {@code hushryd:} (tests use their own) */
    public RedisJobQueue(RedisUrl url, String prefix, String workerId, Duration lease) {
        this.client = RedisLink.open(url, "hushryd-jobs-" + workerId);
        this.prefix = prefix;
        this.workerId = workerId;
        this.lease = lease;
        try {
            this.connection = client.connect();
        } catch (RedisException e) {
            client.close();
            throw new JobQueueException("cannot connect to Redis at " + url.redacted() + ": " + e.getMessage(), e);
        }
        this.redis = connection.sync();
    }

    private static Map<String, RedisScript> scripts() {
        Map<String, RedisScript> out = new ConcurrentHashMap<>();
        for (String name : List.of("add", "extend", "stalled", "retry-failed")) {
            out.put(name, RedisScript.of(RedisJobQueue.class, name + ".lua"));
        }
        out.put("take", RedisScript.composed(RedisJobQueue.class, "take-fn.lua", "take.lua"));
        out.put("settle", RedisScript.composed(RedisJobQueue.class, "settle-fn.lua", "settle.lua"));
        out.put("settle-take", RedisScript.composed(RedisJobQueue.class, "settle-fn.lua", "take-fn.lua",
                "settle-take.lua"));
        return out;
    }

    /** Keys of one queue; the braces make Redis Cluster hash only the queue name. */
    private final class Keys {
        final String base;

        Keys(String queue) {
            this.base = prefix + "{" + queue + "}:";
        }

        String k(String name) {
            return base + name;
        }

        String job(String id) {
            return base + "job:" + id;
        }

        String jobPrefix() {
            return base + "job:";
        }
    }

    @SuppressWarnings("unchecked")
    private <T> T eval(String script, ScriptOutputType type, String[] keys, String... args) {
        try {
            return (T) SCRIPTS.get(script).call(redis, type, keys, args);
        } catch (RedisException e) {
            throw new JobQueueException("Redis " + script + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String backend() {
        return "redis";
    }

    private void register(String queue) {
        if (registered.add(queue)) {
            try {
                redis.sadd(prefix + "queues", queue);
            } catch (RedisException e) {
                registered.remove(queue);
                throw new JobQueueException("cannot register queue " + queue + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public Enqueued add(JobRequest job) {
        return push(Ids.newId(), job);
    }

    @Override
    public void deliver(UUID jobId, JobRequest job) {
        push(jobId, job);
    }

    private Enqueued push(UUID id, JobRequest job) {
        register(job.queue());
        Keys k = new Keys(job.queue());
        String key = job.idempotencyKey() == null ? k.k("key:") : k.k("key:" + job.idempotencyKey());
        List<Object> r = eval("add", ScriptOutputType.MULTI,
                new String[] {k.k("wait"), k.k("delayed"), k.k("seq"), k.k("wake"), k.job(id.toString()), key},
                id.toString(), job.type(), job.payload(), Integer.toString(job.priority().rank()),
                Long.toString(job.delay().toMillis()), Integer.toString(job.attempts()),
                Long.toString(job.backoff().toMillis()), Long.toString(job.timeout().toMillis()),
                Integer.toString(job.removeOnComplete()), Integer.toString(job.removeOnFail()),
                job.idempotencyKey() == null ? "0" : "1", Long.toString(KEY_TTL_SECONDS));
        if (!connection.replicated(k.k("wait"), RedisConnector.COMMAND_TIMEOUT)) {
            // on a Redis Cluster: acknowledged only once a replica has it, so a master's failover cannot lose it
            throw new JobQueueException("job " + id + " not confirmed by a replica of its Redis Cluster shard");
        }
        long position = (Long) r.get(1);
        return new Enqueued(UUID.fromString((String) r.get(0)), position,
                JobQueue.estimate(position, recentRate(job.queue())), ((Long) r.get(2)) == 1L);
    }

    @Override
    public Enqueued add(Connection tx, JobRequest job) throws SQLException {
        register(job.queue());
        return JobOutbox.enqueue(tx, job, this::ahead, this::recentRate);
    }

    private long ahead(JobRequest job) {
        try {
            return redis.zcount(new Keys(job.queue()).k("wait"), io.lettuce.core.Range.create(Double.NEGATIVE_INFINITY,
                    (job.priority().rank() + 1) * 1e15 - 1));
        } catch (RedisException e) {
            throw new JobQueueException("cannot count the wait set: " + e.getMessage(), e);
        }
    }

    @Override
    public JobSource source(String queue, int capacity) {
        register(queue);
        return new Source(queue);
    }

    @Override
    public Set<String> queues() {
        try {
            return new TreeSet<>(redis.smembers(prefix + "queues"));
        } catch (RedisException e) {
            throw new JobQueueException("cannot list queues: " + e.getMessage(), e);
        }
    }

    private static long bucket(long epochSecond) {
        return epochSecond / 10;
    }

    /**
     * The queue's processing rate for an add's wait estimate: a positive rate read less than a second ago is reused,
     * so a busy producer makes one round trip per add (the add script) instead of two; the rate is an average over
     * {@link QueueStats#RATE_WINDOW_SECONDS} anyway. A zero rate (nothing completed lately) is read again every time,
     * so the first completion shows at once; {@link #stats} always reads it afresh and refreshes this one.
     */
    private double recentRate(String queue) {
        CachedRate c = rates.get(queue);
        if (c != null && System.nanoTime() - c.readAt() < RATE_REUSE_NANOS) {
            return c.perSecond();
        }
        return rate(queue);
    }

    private double rate(String queue) {
        long readAt = System.nanoTime();
        double r = measuredRate(queue);
        if (r > 0) {
            rates.put(queue, new CachedRate(r, readAt));
        } else {
            rates.remove(queue);
        }
        return r;
    }

    private double measuredRate(String queue) {
        Keys k = new Keys(queue);
        long nowSec = Instant.now().getEpochSecond();
        long cur = bucket(nowSec);
        int n = QueueStats.RATE_WINDOW_SECONDS / 10;
        String[] keys = new String[n + 1];
        for (int i = 0; i <= n; i++) {
            keys[i] = k.k("rate:" + (cur - n + i));
        }
        try {
            List<KeyValue<String, String>> values = redis.mget(keys);
            long total = 0;
            long first = -1;
            for (int i = 0; i < values.size(); i++) {
                if (values.get(i).hasValue()) {
                    total += Long.parseLong(values.get(i).getValue());
                    if (first < 0) {
                        first = cur - n + i;
                    }
                }
            }
            if (total == 0) {
                return 0;
            }
            double span = (cur - first) * 10.0 + (nowSec - cur * 10);
            return total / Math.max(10.0, Math.min(span, QueueStats.RATE_WINDOW_SECONDS));
        } catch (RedisException e) {
            throw new JobQueueException("cannot read the rate of " + queue + ": " + e.getMessage(), e);
        }
    }

    @Override
    public QueueStats stats(String queue) {
        Keys k = new Keys(queue);
        try {
            long hour = Instant.now().getEpochSecond() / 3600;
            long completed = 0;
            for (Map.Entry<String, String> e : redis.hgetall(k.k("daily")).entrySet()) {
                if (Long.parseLong(e.getKey()) > hour - 24) {
                    completed += Long.parseLong(e.getValue());
                }
            }
            return new QueueStats(queue, redis.zcard(k.k("wait")), redis.zcard(k.k("active")),
                    redis.zcard(k.k("delayed")), completed, redis.zcard(k.k("failed")), rate(queue));
        } catch (RedisException e) {
            throw new JobQueueException("cannot read stats of " + queue + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<Job> failed(String queue, int limit) {
        Keys k = new Keys(queue);
        try {
            List<Job> out = new ArrayList<>();
            for (String id : redis.zrevrange(k.k("failed"), 0, limit - 1)) {
                job(queue, UUID.fromString(id)).ifPresent(out::add);
            }
            return out;
        } catch (RedisException e) {
            throw new JobQueueException("cannot list failed jobs of " + queue + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Job> job(String queue, UUID id) {
        Map<String, String> h;
        try {
            h = redis.hgetall(new Keys(queue).job(id.toString()));
        } catch (RedisException e) {
            throw new JobQueueException("cannot read job " + id + ": " + e.getMessage(), e);
        }
        if (h == null || h.isEmpty() || h.get("type") == null) {
            return Optional.empty();
        }
        String finished = h.get("finished");
        return Optional.of(new Job(id, queue, h.get("type"), h.get("payload"),
                Priority.ofRank(Integer.parseInt(h.get("pri"))),
                JobState.valueOf(h.getOrDefault("state", "waiting").toUpperCase(java.util.Locale.ROOT)),
                Integer.parseInt(h.get("attempts")), Integer.parseInt(h.get("max")),
                Instant.ofEpochMilli(Long.parseLong(h.get("created"))),
                finished == null || finished.isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(finished)),
                h.get("error"), JobJson.history(h.get("history"))));
    }

    @Override
    public boolean retry(String queue, UUID id) {
        Keys k = new Keys(queue);
        Long n = eval("retry-failed", ScriptOutputType.INTEGER,
                new String[] {k.k("failed"), k.k("wait"), k.k("wake"), k.job(id.toString())}, id.toString());
        return n == 1L;
    }

    @Override
    public void close() {
        connection.close();
        client.client().shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private final class Source implements JobSource {
        private final String queue;
        private final Keys k;
        private final RedisLink.Connection<String, String> blocking;

        Source(String queue) {
            this.queue = queue;
            this.k = new Keys(queue);
            try {
                this.blocking = client.connect();
            } catch (RedisException e) {
                throw new JobQueueException("cannot connect to Redis: " + e.getMessage(), e);
            }
        }

        @Override
        public List<Lease> take(int max, Duration wait) {
            List<Lease> leases = new ArrayList<>();
            long nextDue = reserve(max, leases);
            if (!leases.isEmpty()) {
                return leases;
            }
            long waitMs = Math.min(wait.toMillis(), 1000);
            if (nextDue > 0) {
                waitMs = Math.max(10, Math.min(waitMs, nextDue - System.currentTimeMillis()));
            }
            try {
                blocking.sync().blpop(waitMs / 1000.0, k.k("wake"));
            } catch (RedisException e) {
                throw new JobQueueException("Redis wait failed: " + e.getMessage(), e);
            }
            reserve(max, leases);
            return leases;
        }

        /** Fills {@code into}; returns when the next delayed job is due (epoch ms), or -1. */
        private long reserve(int max, List<Lease> into) {
            String token = UUID.randomUUID().toString();
            List<Object> r = eval("take", ScriptOutputType.MULTI, new String[] {k.k("wait"), k.k("delayed"),
                    k.k("active")}, Integer.toString(max), Long.toString(lease.toMillis()), token, workerId,
                    k.jobPrefix());
            return leases(r, 0, token, into);
        }

        /** Reads take's reply from {@code r.get(from)} on into {@code into}; returns its next-due time. */
        private long leases(List<Object> r, int from, String token, List<Lease> into) {
            for (int i = from; i < r.size() - 1; i++) {
                @SuppressWarnings("unchecked")
                List<Object> f = (List<Object>) r.get(i);
                into.add(new Lease(UUID.fromString((String) f.get(0)), queue, (String) f.get(2), (String) f.get(3),
                        Priority.ofRank(Integer.parseInt((String) f.get(4))), ((Long) f.get(1)).intValue(),
                        Integer.parseInt((String) f.get(5)), Duration.ofMillis(Long.parseLong((String) f.get(6))),
                        Duration.ofMillis(Long.parseLong((String) f.get(7))), Integer.parseInt((String) f.get(8)),
                        Integer.parseInt((String) f.get(9)), token, null));
            }
            return (Long) r.get(r.size() - 1);
        }

        private void settle(Lease l, String outcome, Attempt attempt, Duration delay) {
            long now = Instant.now().getEpochSecond();
            Long n = eval("settle", ScriptOutputType.INTEGER, settleKeys(l, now),
                    settleArgs(l, now, outcome, attempt, delay));
            if (n == 0L) {
                lost(l);
            }
        }

        /** settle.lua's keys; {@code now} (epoch seconds) picks the rate bucket, as it picks the hour field. */
        private String[] settleKeys(Lease l, long now) {
            return new String[] {k.job(l.jobId().toString()), k.k("active"), k.k("wait"), k.k("delayed"),
                k.k("completed"), k.k("failed"), k.k("wake"), k.k("rate:" + bucket(now)), k.k("daily")};
        }

        private String[] settleArgs(Lease l, long now, String outcome, Attempt attempt, Duration delay,
                String... more) {
            String[] args = new String[8 + more.length];
            args[0] = l.jobId().toString();
            args[1] = l.token();
            args[2] = outcome;
            args[3] = attempt == null ? "" : JobJson.appendable(attempt);
            args[4] = attempt == null || attempt.error() == null ? "" : attempt.error();
            args[5] = Long.toString(delay.toMillis());
            args[6] = k.jobPrefix();
            args[7] = Long.toString(now / 3600);
            System.arraycopy(more, 0, args, 8, more.length);
            return args;
        }

        private void lost(Lease l) {
            log.info("job {} of {}: lease lost before it was settled (it was handed to another worker)", l.jobId(),
                    queue);
        }

        @Override
        public List<Lease> completeAndTake(Lease done, Attempt attempt, int max) {
            String token = UUID.randomUUID().toString();
            long now = Instant.now().getEpochSecond();
            List<Object> r = eval("settle-take", ScriptOutputType.MULTI, settleKeys(done, now),
                    settleArgs(done, now, "complete", attempt, Duration.ZERO, Integer.toString(max),
                            Long.toString(lease.toMillis()), token, workerId));
            if (Long.valueOf(0L).equals(r.get(0))) {
                lost(done);
            }
            List<Lease> next = new ArrayList<>();
            leases(r, 1, token, next);
            return next;
        }

        @Override
        public void complete(Lease lease, Attempt attempt) {
            settle(lease, "complete", attempt, Duration.ZERO);
        }

        @Override
        public void retry(Lease lease, Attempt attempt, Duration delay) {
            settle(lease, "retry", attempt, delay);
        }

        @Override
        public void fail(Lease lease, Attempt attempt) {
            settle(lease, "fail", attempt, Duration.ZERO);
        }

        @Override
        public void release(Lease lease) {
            settle(lease, "release", null, Duration.ZERO);
        }

        @Override
        public void extend(Collection<Lease> leases) {
            if (leases.isEmpty()) {
                return;
            }
            List<String> args = new ArrayList<>();
            args.add(Long.toString(lease.toMillis()));
            args.add(k.jobPrefix());
            for (Lease l : leases) {
                args.add(l.jobId().toString());
                args.add(l.token());
            }
            eval("extend", ScriptOutputType.INTEGER, new String[] {k.k("active")}, args.toArray(String[]::new));
        }

        @Override
        public void maintain() {
            List<Object> r = eval("stalled", ScriptOutputType.MULTI, new String[] {k.k("active"), k.k("wait"),
                    k.k("failed"), k.k("wake")}, k.jobPrefix());
            long retried = (Long) r.get(0);
            long failed = (Long) r.get(1);
            if (retried + failed > 0) {
                log.warn("{}: {} stalled job(s) recovered ({} retried, {} failed: attempts exhausted)", queue,
                        retried + failed, retried, failed);
            }
            long hour = Instant.now().getEpochSecond() / 3600;
            try {
                for (String field : redis.hkeys(k.k("daily"))) {
                    if (Long.parseLong(field) < hour - 24) {
                        redis.hdel(k.k("daily"), field);
                    }
                }
            } catch (RedisException e) {
                throw new JobQueueException("upkeep of " + queue + " failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            blocking.close();
        }
    }
}
