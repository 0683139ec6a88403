package com.hushryd.jobs.postgres;

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
import com.hushryd.jobs.Signal;
import com.hushryd.store.Database;
import com.hushryd.store.Ids;
import com.hushryd.store.Jdbc;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Job queues in PostgreSQL: one {@code jobs} table; workers lease due jobs with {@code FOR UPDATE SKIP LOCKED} (no
 * two workers ever take the same job, none waits for another), and a {@code NOTIFY} sent on commit wakes idle
 * workers at once. A lease is a deadline ({@code locked_until}) renewed while the job runs; any worker's upkeep hands
 * expired leases back. See decision 0005.
 */
public final class PostgresJobQueue implements JobQueue {
    private static final Logger log = LoggerFactory.getLogger(PostgresJobQueue.class);
    public static final String CHANNEL = "hushryd_jobs";
    /** Positions beyond this are not counted exactly (counting is a scan); the answer says this number. */
    public static final int POSITION_CAP = 10_000;
    private static final String COLUMNS = "id, queue, type, payload::text AS payload, priority, state, run_at, "
            + "attempts, max_attempts, backoff_ms, timeout_ms, remove_on_complete, remove_on_fail, last_error, "
            + "history::text AS history, created_at, finished_at, run_at > now() AS delayed";

    private final Database db;
    private final PgLedger ledger;
    private final String workerId;
    private final Duration lease;
    private final Map<String, Signal> signals = new ConcurrentHashMap<>();

    /**
     * @param notifier subscribed here to wake workers; the caller starts and closes it
     * @param lease    how long a job stays leased without renewal before upkeep hands it to another worker
     */
    public PostgresJobQueue(Database db, PgNotifier notifier, PgLedger ledger, String workerId, Duration lease) {
        this.db = db;
        this.ledger = ledger;
        this.workerId = workerId;
        this.lease = lease;
        notifier.subscribe(CHANNEL, this::wake);
    }

    private void wake(String queue) {
        if (queue.isEmpty()) {
            signals.values().forEach(Signal::fire);
        } else {
            Signal s = signals.get(queue);
            if (s != null) {
                s.fire();
            }
        }
    }

    @Override
    public String backend() {
        return "postgres";
    }

    @Override
    public Enqueued add(JobRequest job) {
        ledger.register(job.queue());
        return Sql.tx(db, "enqueue to " + job.queue() + " failed", c -> insert(c, job));
    }

    @Override
    public Enqueued add(Connection tx, JobRequest job) throws SQLException {
        ledger.register(tx, job.queue());
        return insert(tx, job);
    }

    private Enqueued insert(Connection c, JobRequest job) throws SQLException {
        UUID id = Ids.newId();
        if (job.idempotencyKey() != null) {
            Optional<UUID> existing = PgLedger.claimKey(c, job.queue(), job.idempotencyKey(), id);
            if (existing.isPresent()) {
                long position = position(c, job.queue(), job.priority());
                return new Enqueued(existing.get(), position,
                        JobQueue.estimate(position, ledger.rate(c, job.queue())), true);
            }
        }
        Jdbc.update(c, "INSERT INTO jobs (id, queue, type, payload, priority, state, run_at, max_attempts, backoff_ms, "
                + "timeout_ms, remove_on_complete, remove_on_fail) VALUES (?, ?, ?, ?::jsonb, ?, 'waiting', "
                + "now() + make_interval(secs => ?), ?, ?, ?, ?, ?)",
                id, job.queue(), job.type(), job.payload(), (short) job.priority().rank(),
                job.delay().toMillis() / 1000.0, job.attempts(), job.backoff().toMillis(), job.timeout().toMillis(),
                job.removeOnComplete(), job.removeOnFail());
        if (job.delay().isZero()) {
            Jdbc.one(c, "SELECT pg_notify(?, ?)", rs -> 1, CHANNEL, job.queue());
        }
        long ahead = position(c, job.queue(), job.priority());
        long position = job.delay().isZero() ? Math.max(0, ahead - 1) : ahead;
        return new Enqueued(id, position, JobQueue.estimate(position, ledger.rate(c, job.queue())), false);
    }

    /** Due waiting jobs of this priority or a higher one, counted up to {@link #POSITION_CAP}. */
    private static long position(Connection c, String queue, Priority priority) throws SQLException {
        return Jdbc.one(c, "SELECT count(*) FROM (SELECT 1 FROM jobs WHERE queue = ? AND state = 'waiting' "
                + "AND priority <= ? AND run_at <= now() LIMIT " + POSITION_CAP + ") t", rs -> rs.getLong(1),
                queue, (short) priority.rank()).orElse(0L);
    }

    @Override
    public JobSource source(String queue, int capacity) {
        ledger.register(queue);
        return new Source(queue, signals.computeIfAbsent(queue, q -> new Signal()));
    }

    @Override
    public Set<String> queues() {
        return ledger.queues();
    }

    @Override
    public QueueStats stats(String queue) {
        try {
            long[] counts = db.read(c -> Jdbc.one(c, "SELECT "
                    + "count(*) FILTER (WHERE state = 'waiting' AND run_at <= now()), "
                    + "count(*) FILTER (WHERE state = 'active'), "
                    + "count(*) FILTER (WHERE state = 'waiting' AND run_at > now()), "
                    + "count(*) FILTER (WHERE state = 'failed') FROM jobs WHERE queue = ?",
                    rs -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)}, queue))
                    .orElseThrow();
            return new QueueStats(queue, counts[0], counts[1], counts[2], ledger.last24h(queue)[0], counts[3],
                    ledger.rate(queue));
        } catch (SQLException e) {
            throw new JobQueueException("cannot read stats of " + queue + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<Job> failed(String queue, int limit) {
        return Sql.read(db, "cannot list failed jobs of " + queue, c -> Jdbc.list(c, "SELECT " + COLUMNS + " FROM jobs WHERE queue = ? AND state = 'failed' "
                    + "ORDER BY finished_at DESC, id DESC LIMIT ?", PostgresJobQueue::job, queue, limit));
    }

    @Override
    public Optional<Job> job(String queue, UUID id) {
        return Sql.read(db, "cannot read job " + id, c -> Jdbc.one(c, "SELECT " + COLUMNS + " FROM jobs WHERE queue = ? AND id = ?",
                    PostgresJobQueue::job, queue, id));
    }

    @Override
    public boolean retry(String queue, UUID id) {
        return Sql.tx(db, "cannot retry job " + id, c -> {
                int n = Jdbc.update(c, "UPDATE jobs SET state = 'waiting', attempts = 0, run_at = now(), "
                        + "finished_at = NULL WHERE queue = ? AND id = ? AND state = 'failed'", queue, id);
                if (n > 0) {
                    Jdbc.one(c, "SELECT pg_notify(?, ?)", rs -> 1, CHANNEL, queue);
                }
                return n > 0;
            });
    }

    static Job job(ResultSet rs) throws SQLException {
        String state = rs.getString("state");
        JobState s = "waiting".equals(state) && rs.getBoolean("delayed") ? JobState.DELAYED
                : JobState.valueOf(state.toUpperCase(java.util.Locale.ROOT));
        return new Job(Jdbc.uuid(rs, "id"), rs.getString("queue"), rs.getString("type"), rs.getString("payload"),
                Priority.ofRank(rs.getShort("priority")), s, rs.getInt("attempts"), rs.getInt("max_attempts"),
                Jdbc.instant(rs, "created_at"), Jdbc.instant(rs, "finished_at"), rs.getString("last_error"),
                JobJson.history(rs.getString("history")));
    }

    @Override
    public void close() {
        // the database, notifier and ledger belong to the caller
    }

    /** Leases due jobs: CTEs {@code next} and {@code taken}; parameters queue, max, token, worker, lease seconds. */
    private static final String TAKE = "next AS (SELECT id FROM jobs "
            + "WHERE queue = ? AND state = 'waiting' AND run_at <= now() "
            + "ORDER BY priority, run_at, id LIMIT ? FOR UPDATE SKIP LOCKED), "
            + "taken AS (UPDATE jobs j SET state = 'active', attempts = j.attempts + 1, lease_token = ?::uuid, "
            + "locked_by = ?, locked_until = now() + make_interval(secs => ?), started_at = now() "
            + "FROM next WHERE j.id = next.id RETURNING j.id, j.type, j.payload::text AS payload, "
            + "j.priority, j.attempts, j.max_attempts, j.backoff_ms, j.timeout_ms, "
            + "j.remove_on_complete, j.remove_on_fail, j.run_at, j.created_at)";

    private final class Source implements JobSource {
        private final String queue;
        private final Signal signal;

        Source(String queue, Signal signal) {
            this.queue = queue;
            this.signal = signal;
        }

        @Override
        public List<Lease> take(int max, Duration wait) throws InterruptedException {
            long seen = signal.version();
            List<Lease> leases = reserve(max);
            if (!leases.isEmpty()) {
                return leases;
            }
            signal.await(seen, wait);
            return reserve(max);
        }

        /** Leases up to {@code max} due jobs, best first (one statement; the taken CTE of both callers). */
        private List<Lease> reserve(int max) {
            String token = UUID.randomUUID().toString();
            try {
                List<Lease> leases = db.read(c -> Jdbc.list(c, "WITH " + TAKE + " SELECT * FROM taken",
                        rs -> lease(rs, token), queue, max, token, workerId, lease.toMillis() / 1000.0));
                return sorted(leases);
            } catch (SQLException e) {
                throw new JobQueueException("cannot take jobs from " + queue + ": " + e.getMessage(), e);
            }
        }

        private Lease lease(ResultSet rs, String token) throws SQLException {
            return new Lease(Jdbc.uuid(rs, "id"), queue, rs.getString("type"), rs.getString("payload"),
                    Priority.ofRank(rs.getShort("priority")), rs.getInt("attempts"), rs.getInt("max_attempts"),
                    Duration.ofMillis(rs.getLong("backoff_ms")), Duration.ofMillis(rs.getLong("timeout_ms")),
                    rs.getInt("remove_on_complete"), rs.getInt("remove_on_fail"), token,
                    Jdbc.instant(rs, "run_at"));
        }

        private static List<Lease> sorted(List<Lease> leases) {
            List<Lease> sorted = new ArrayList<>(leases);
            sorted.sort(Comparator.comparingInt((Lease l) -> l.priority().rank())
                    .thenComparing(l -> (Instant) l.handle()).thenComparing(Lease::jobId));
            return sorted;
        }

        @Override
        public void complete(Lease lease, Attempt attempt) {
            // a settlement of a lost lease is ignored, and so not counted: the job completes (and counts) elsewhere
            if (settle(lease, completion(lease), lease.removeOnComplete() == 0 ? null
                    : JobJson.appendable(attempt))) {
                ledger.completed(queue);
            }
        }

        private static String completion(Lease lease) {
            return lease.removeOnComplete() == 0
                    ? "DELETE FROM jobs WHERE id = ? AND lease_token = ?::uuid AND state = 'active'"
                    : "UPDATE jobs SET state = 'completed', finished_at = now(), lease_token = NULL, "
                            + "locked_by = NULL, locked_until = NULL, history = history || ?::jsonb "
                            + "WHERE id = ? AND lease_token = ?::uuid AND state = 'active'";
        }

        /**
         * The completion and the next take in one statement (data-modifying CTEs: both see the snapshot from before
         * the statement, where the completed job is still active, so it cannot be taken again).
         */
        @Override
        public List<Lease> completeAndTake(Lease done, Attempt attempt, int max) {
            String token = UUID.randomUUID().toString();
            List<Object> params = new ArrayList<>();
            if (done.removeOnComplete() != 0) {
                params.add(JobJson.appendable(attempt));
            }
            params.addAll(List.of(done.jobId(), done.token(), queue, max, token, workerId,
                    lease.toMillis() / 1000.0));
            boolean[] settled = {false};
            try {
                List<Lease> taken = db.read(c -> Jdbc.list(c, "WITH done AS (" + completion(done) + " RETURNING 1), "
                        + TAKE + " SELECT (SELECT count(*) FROM done) AS settled, taken.* "
                        + "FROM (SELECT 1) AS one LEFT JOIN taken ON true", rs -> {
                            settled[0] = rs.getLong("settled") > 0;
                            return rs.getObject("id") == null ? null : lease(rs, token);
                        }, params.toArray()));
                if (settled[0]) {
                    ledger.completed(queue);
                } else {
                    lost(done);
                }
                return sorted(taken.stream().filter(java.util.Objects::nonNull).toList());
            } catch (SQLException e) {
                throw new JobQueueException("cannot settle job " + done.jobId() + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void retry(Lease lease, Attempt attempt, Duration delay) {
            settle(lease, "UPDATE jobs SET state = 'waiting', run_at = now() + make_interval(secs => "
                    + (delay.toMillis() / 1000.0) + "), lease_token = NULL, locked_by = NULL, locked_until = NULL, "
                    + "last_error = ?, history = history || ?::jsonb "
                    + "WHERE id = ? AND lease_token = ?::uuid AND state = 'active'", attempt.error(),
                    JobJson.appendable(attempt));
        }

        @Override
        public void fail(Lease lease, Attempt attempt) {
            if (settle(lease, lease.removeOnFail() == 0
                    ? "DELETE FROM jobs WHERE id = ? AND lease_token = ?::uuid AND state = 'active'"
                    : "UPDATE jobs SET state = 'failed', finished_at = now(), lease_token = NULL, locked_by = NULL, "
                            + "locked_until = NULL, last_error = ?, history = history || ?::jsonb "
                            + "WHERE id = ? AND lease_token = ?::uuid AND state = 'active'",
                    lease.removeOnFail() == 0 ? null : attempt.error(),
                    lease.removeOnFail() == 0 ? null : JobJson.appendable(attempt))) {
                ledger.failed(queue);
            }
        }

        @Override
        public void release(Lease lease) {
            if (settle(lease, "UPDATE jobs SET state = 'waiting', attempts = attempts - 1, lease_token = NULL, "
                    + "locked_by = NULL, locked_until = NULL WHERE id = ? AND lease_token = ?::uuid "
                    + "AND state = 'active'")) {
                try {
                    db.read(c -> Jdbc.one(c, "SELECT pg_notify(?, ?)", rs -> 1, CHANNEL, queue));
                } catch (SQLException e) {
                    log.debug("notify after release failed: {}", e.getMessage());
                }
            }
        }

        private void lost(Lease lease) {
            log.info("job {} of {}: lease lost before it was settled (it was handed to another worker)",
                    lease.jobId(), queue);
        }

        /** Runs a settlement guarded by the lease token; the leading parameters precede (id, token). */
        private boolean settle(Lease lease, String sql, Object... leading) {
            List<Object> params = new ArrayList<>();
            for (Object p : leading) {
                if (p != null) {
                    params.add(p);
                }
            }
            params.add(lease.jobId());
            params.add(lease.token());
            try {
                int n = db.read(c -> Jdbc.update(c, sql, params.toArray()));
                if (n == 0) {
                    lost(lease);
                }
                return n > 0;
            } catch (SQLException e) {
                throw new JobQueueException("cannot settle job " + lease.jobId() + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void extend(Collection<Lease> leases) {
            if (leases.isEmpty()) {
                return;
            }
            UUID[] ids = leases.stream().map(Lease::jobId).toArray(UUID[]::new);
            UUID[] tokens = leases.stream().map(l -> UUID.fromString(l.token())).toArray(UUID[]::new);
            try {
                db.read(c -> {
                    Array idArray = c.createArrayOf("uuid", ids);
                    Array tokenArray = c.createArrayOf("uuid", tokens);
                    return Jdbc.update(c, "UPDATE jobs SET locked_until = now() + make_interval(secs => ?) "
                            + "FROM unnest(?::uuid[], ?::uuid[]) AS l(id, token) "
                            + "WHERE jobs.id = l.id AND jobs.lease_token = l.token AND jobs.state = 'active'",
                            lease.toMillis() / 1000.0, idArray, tokenArray);
                });
            } catch (SQLException e) {
                throw new JobQueueException("cannot renew leases on " + queue + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void maintain() {
            try {
                List<String> outcomes = db.read(c -> Jdbc.list(c, "WITH stalled AS (SELECT id FROM jobs "
                        + "WHERE queue = ? AND state = 'active' AND locked_until < now() "
                        + "LIMIT 500 FOR UPDATE SKIP LOCKED) "
                        + "UPDATE jobs j SET state = CASE WHEN j.attempts >= j.max_attempts THEN 'failed' "
                        + "ELSE 'waiting' END, run_at = now(), finished_at = CASE WHEN j.attempts >= j.max_attempts "
                        + "THEN now() END, lease_token = NULL, locked_by = NULL, locked_until = NULL, "
                        + "last_error = 'stalled: lease expired (worker crashed or hung)', "
                        + "history = j.history || jsonb_build_array(jsonb_build_object('attempt', j.attempts, "
                        + "'worker', j.locked_by, 'startedAt', " + iso("j.started_at") + ", 'finishedAt', "
                        + iso("now()") + ", 'error', 'stalled: lease expired (worker crashed or hung)')) "
                        + "FROM stalled WHERE j.id = stalled.id RETURNING j.state", rs -> rs.getString(1), queue));
                if (!outcomes.isEmpty()) {
                    long failed = outcomes.stream().filter("failed"::equals).count();
                    log.warn("{}: {} stalled job(s) recovered ({} retried, {} failed: attempts exhausted)", queue,
                            outcomes.size(), outcomes.size() - failed, failed);
                    for (int i = 0; i < failed; i++) {
                        ledger.failed(queue);
                    }
                    db.read(c -> Jdbc.one(c, "SELECT pg_notify(?, ?)", rs -> 1, CHANNEL, queue));
                }
                db.read(c -> {
                    for (String state : new String[] {"completed", "failed"}) {
                        String keep = "completed".equals(state) ? "remove_on_complete" : "remove_on_fail";
                        Jdbc.update(c, "DELETE FROM jobs WHERE id IN (SELECT id FROM (SELECT id, " + keep + " AS keep, "
                                + "row_number() OVER (ORDER BY finished_at DESC, id DESC) AS rn FROM jobs "
                                + "WHERE queue = ? AND state = ?) t WHERE rn > keep)", queue, state);
                    }
                    return null;
                });
            } catch (SQLException e) {
                throw new JobQueueException("upkeep of " + queue + " failed: " + e.getMessage(), e);
            }
        }

        private static String iso(String column) {
            return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
        }

        @Override
        public void close() {
            // leases are released by the worker; nothing held here
        }
    }
}
