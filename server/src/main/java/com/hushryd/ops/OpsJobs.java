package com.hushryd.ops;

import com.hushryd.jobs.JobContext;
import com.hushryd.jobs.JobHandlers;
import com.hushryd.jobs.JobProducer;
import com.hushryd.jobs.JobRequest;
import com.hushryd.ops.backup.Backup;
import com.hushryd.ops.backup.BackupLocation;
import com.hushryd.store.Database;
import com.hushryd.store.DatabaseUrl;
import com.hushryd.store.Jdbc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's scheduled operator jobs on the {@code ops} queue (decision 0069): backups every BACKUP_SCHEDULE and
 * the pruning of bulky history every RETENTION_INTERVAL. Each node ticks; the slot a tick finds due is claimed by
 * inserting {@code (task, slot)} into {@code ops_schedule_runs} in the transaction that enqueues the job, so the
 * primary key lets exactly one node enqueue each run, and the job queue runs it at least once on some worker.
 */
public final class OpsJobs implements AutoCloseable {
    public static final String QUEUE = "ops";
    static final String BACKUP = "backup";
    static final String RETENTION = "retention";
    /** Rows deleted per statement: each batch is a short transaction of its own, never a long table lock. */
    static final int BATCH = 5000;
    private static final Logger log = LoggerFactory.getLogger(OpsJobs.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm'Z'")
            .withZone(ZoneOffset.UTC);

    /**
     * One pruning rule: rows of {@code table} whose {@code column} is older than the age.
     * {@code extra} narrows the rows (e.g. finished jobs only).
     */
    record Rule(String name, String table, String column, String extra, Duration age) {
    }

    private final Database db;
    private final OpsSettings settings;
    private final String nodeId;
    private final Supplier<DatabaseUrl> url;
    private final Path dataDir;
    private final String version;
    private ScheduledExecutorService ticker;

    public OpsJobs(Database db, OpsSettings settings, String nodeId, Supplier<DatabaseUrl> url, Path dataDir,
            String version) {
        this.db = db;
        this.settings = settings;
        this.nodeId = nodeId;
        this.url = url;
        this.dataDir = dataDir;
        this.version = version;
    }

    public void register(JobHandlers handlers) {
        handlers.register(BACKUP, this::backup);
        handlers.register(RETENTION, job -> prune(Instant.now()));
    }

    /** Starts ticking: every due slot of each schedule gets its job, once for the whole cluster. */
    public OpsJobs start(JobProducer producer) {
        long every = Math.max(1000, Math.min(15_000, settings.retention().interval().toMillis() / 2));
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hushryd-ops-schedule");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(() -> tick(producer, Instant.now()), every / 2, every, TimeUnit.MILLISECONDS);
        return this;
    }

    void tick(JobProducer producer, Instant now) {
        try {
            claim(producer, RETENTION, settings.retention().interval(), now, "{}", Duration.ofHours(1));
            if (settings.backupEvery().isPresent()) {
                claim(producer, BACKUP, settings.backupEvery().get(), now, null, Duration.ofHours(12));
            }
        } catch (Exception e) {
            log.warn("ops schedule: cannot claim a run now ({}); the next tick tries again", e.getMessage());
        }
    }

    /** Enqueues the run of {@code task} for the slot {@code now} falls in, unless some node already did. */
    boolean claim(JobProducer producer, String task, Duration every, Instant now, String payload, Duration timeout)
            throws SQLException {
        long ms = every.toMillis();
        Instant slot = Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli(), ms) * ms);
        String body = payload != null ? payload : "{\"slot\":\"" + slot + "\"}";
        return db.tx(c -> {
            java.util.UUID jobId = java.util.UUID.randomUUID();
            int inserted = Jdbc.update(c, "INSERT INTO ops_schedule_runs (task, slot, job_id, node_id) "
                    + "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", task, java.sql.Timestamp.from(slot), jobId, nodeId);
            if (inserted == 1) {
                producer.submit(c, JobRequest.of(QUEUE, task, body).withAttempts(2, Duration.ofMinutes(1))
                        .withTimeout(timeout));
                log.info("ops schedule: {} for the slot {} enqueued", task, slot);
            }
            return inserted == 1;
        });
    }

    record BackupRun(String slot) {
    }

    private void backup(JobContext job) throws Exception {
        Instant slot = Instant.parse(job.payload(BackupRun.class).slot());
        BackupLocation base = BackupLocation.parse(settings.backupTo().orElseThrow(() ->
                new IllegalStateException("BACKUP_TO is not set on the node that ran the backup job")),
                Optional.of(settings.backupS3()));
        BackupLocation target = base.child("hushryd-" + STAMP.format(slot));
        if (target.complete()) {
            log.info("backup {} is already complete (an earlier attempt of this job)", target);
            return;
        }
        if (target instanceof BackupLocation.Directory d && Files.exists(d.path())) {
            deleteTree(d.path()); // an attempt that died half-way
        }
        Path staged = target.stage();
        try {
            Backup.create(url.get(), dataDir, staged, version, line -> log.info("backup: {}", line.strip()));
            target.publish(staged, line -> log.info("backup: {}", line));
        } finally {
            target.cleanUp(staged);
        }
    }

    /** The pruning rules of the settings; a zero age keeps that history forever. */
    List<Rule> rules() {
        OpsSettings.Retention r = settings.retention();
        List<Rule> rules = new ArrayList<>();
        rules.add(new Rule("route points", "trip_locations", "received_at", "", r.routePoints()));
        rules.add(new Rule("chat messages", "chat_messages", "created_at", "", r.chat()));
        rules.add(new Rule("finished jobs", "jobs", "finished_at", "state IN ('completed', 'failed') AND ",
                r.jobs()));
        rules.add(new Rule("failed RabbitMQ jobs", "job_dead_letters", "failed_at", "", r.jobs()));
        rules.add(new Rule("probe records", "job_probes", "completed_at", "", r.jobs()));
        rules.add(new Rule("outbox notifications", "notification_outbox", "created_at", "", r.notifications()));
        rules.add(new Rule("schedule runs", "ops_schedule_runs", "created_at", "", Duration.ofDays(30)));
        return rules.stream().filter(x -> !x.age().isZero()).toList();
    }

    /** Deletes what is older than each rule's age, in batches; returns the rows deleted per rule. */
    public java.util.Map<String, Long> prune(Instant now) throws SQLException {
        java.util.Map<String, Long> deleted = new java.util.LinkedHashMap<>();
        for (Rule rule : rules()) {
            java.sql.Timestamp cutoff = java.sql.Timestamp.from(now.minus(rule.age()));
            long total = 0;
            int n;
            do {
                n = db.tx(c -> Jdbc.update(c, "DELETE FROM " + rule.table() + " WHERE ctid IN (SELECT ctid FROM "
                        + rule.table() + " WHERE " + rule.extra() + rule.column() + " < ? LIMIT " + BATCH + ")",
                        cutoff));
                total += n;
            } while (n == BATCH);
            if (total > 0) {
                log.info("retention: deleted {} {} older than {}", total, rule.name(), rule.age());
            }
            deleted.put(rule.name(), total);
        }
        return deleted;
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
    }
}
