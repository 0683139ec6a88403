package com.hushryd.bench;

import com.hushryd.jobs.JobHandlers;
import com.hushryd.jobs.JobMetrics;
import com.hushryd.jobs.JobQueue;
import com.hushryd.jobs.JobRequest;
import com.hushryd.jobs.QueueSettings;
import com.hushryd.jobs.Worker;
import com.hushryd.jobs.outbox.OutboxRelay;
import com.hushryd.jobs.postgres.PgLedger;
import com.hushryd.jobs.postgres.PgNotifier;
import com.hushryd.jobs.postgres.PostgresJobQueue;
import com.hushryd.jobs.rabbitmq.RabbitJobQueue;
import com.hushryd.jobs.redis.RedisJobQueue;
import com.hushryd.store.Database;
import com.hushryd.store.DatabaseUrl;
import com.hushryd.store.RedisUrl;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * P-JOBS: no-op jobs through each queue backend. For every backend and concurrency C: (1) throughput: C producer
 * threads enqueue no-op jobs flat out for the given duration while one worker runs them C at a time, then the queue
 * drains; enqueue/s = jobs added / producing time, processed/s = jobs run / (producing + draining time). (2) latency:
 * C producers each keep one job in flight (enqueue, wait until it ran, repeat) for the same duration; end-to-end
 * latency = enqueue call started → handler ran (stopped in the handler, as peers/bullmq stops it), percentiles from
 * HdrHistogram; cpu us/job = this process's CPU time over the throughput phase per job run. One line per backend ×
 * concurrency.
 * Prints numbers only; asserts nothing.
 *
 * <pre>
 * java ... com.hushryd.bench.JobsBench [--backends postgres,redis,rabbitmq] [--concurrency 1,8,32] [--seconds 5]
 *     [--warmup 3]   (an unmeasured run at the highest concurrency first, per backend; 0: none)
 * </pre>
 * Engines: DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres; a scratch database is created and
 * dropped), REDIS_URL (default redis://127.0.0.1:6379), RABBITMQ_URL (default amqp://guest:guest@127.0.0.1:5672).
 */
public final class JobsBench {
    private JobsBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>(Map.of("backends", "postgres,redis,rabbitmq",
                "concurrency", "1,8,32", "seconds", "5", "warmup", "3"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int seconds = Integer.parseInt(opts.get("seconds"));
        int warmup = Integer.parseInt(opts.get("warmup"));
        String pg = env("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres");
        String redis = env("REDIS_URL", "redis://127.0.0.1:6379");
        String rabbit = env("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672");

        DatabaseUrl admin = DatabaseUrl.parse(pg);
        String dbName = "hushryd_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        exec(admin, "CREATE DATABASE " + dbName);
        String base = admin.jdbcUrl().replaceAll("/[^/?]*(\\?.*)?$", "/" + dbName + "$1");
        Database db = Database.connect(new DatabaseUrl(base, admin.user(), admin.password()),
                new Database.Settings(40, 2, Duration.ofSeconds(10), Duration.ofSeconds(30), "hushryd-bench"), null);
        db.migrate();
        System.out.printf("# P-JOBS no-op jobs, %d s per run, %d cores, Java %s%n", seconds,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        System.out.printf("%-9s %5s %12s %12s %9s %9s %9s %8s %9s%n", "backend", "conc", "enqueue/s", "processed/s",
                "p50 ms", "p99 ms", "max ms", "jobs", "cpu us/job");
        try {
            for (String backend : opts.get("backends").split(",")) {
                if (warmup > 0) {
                    // an unmeasured run first, so that JIT compilation does not land in the first measured phase
                    // (peers/bullmq/bench.js warms up the same way)
                    int most = 0;
                    for (String c : opts.get("concurrency").split(",")) {
                        most = Math.max(most, Integer.parseInt(c.trim()));
                    }
                    run(backend.trim(), most, warmup, db, redis, rabbit, false);
                }
                for (String c : opts.get("concurrency").split(",")) {
                    run(backend.trim(), Integer.parseInt(c.trim()), seconds, db, redis, rabbit, true);
                }
            }
        } finally {
            db.close();
            exec(admin, "DROP DATABASE IF EXISTS " + dbName + " WITH (FORCE)");
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String env(String name, String def) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? def : v;
    }

    private static void exec(DatabaseUrl url, String sql) throws Exception {
        try (Connection c = url.user() == null ? DriverManager.getConnection(url.jdbcUrl())
                : DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static void run(String backend, int concurrency, int seconds, Database db, String redisUrl,
            String rabbitUrl, boolean print) throws Exception {
        Duration lease = Duration.ofSeconds(30);
        PgNotifier notifier = new PgNotifier(db);
        PgLedger ledger = new PgLedger(db, "bench");
        JobQueue queue;
        String prefix = "hushryd-bench-" + UUID.randomUUID().toString().substring(0, 6);
        try {
            queue = switch (backend) {
                case "postgres" -> new PostgresJobQueue(db, notifier, ledger, "bench", lease);
                case "redis" -> new RedisJobQueue(RedisUrl.parse(redisUrl), prefix + ":", "bench", lease);
                case "rabbitmq" -> new RabbitJobQueue(rabbitUrl, prefix + ".", db, ledger, "bench");
                default -> throw new IllegalArgumentException("unknown backend " + backend);
            };
        } catch (RuntimeException e) {
            if (print) {
                System.out.printf("%-9s %5d   skipped: %s%n", backend, concurrency, e.getMessage());
            }
            ledger.close();
            return;
        }
        OutboxRelay relay = null;
        notifier.start();
        String name = "bench-" + concurrency;
        Recorder latency = new Recorder(3);
        AtomicLong processed = new AtomicLong();
        Semaphore[] turns = new Semaphore[concurrency];
        for (int i = 0; i < concurrency; i++) {
            turns[i] = new Semaphore(0);
        }
        JobHandlers handlers = new JobHandlers().register("noop", ctx -> {
            Map<?, ?> p = ctx.payload(Map.class);
            if (p.containsKey("p")) {
                latency.recordValue(Math.max(0, (System.nanoTime() - ((Number) p.get("t")).longValue()) / 1000));
                turns[((Number) p.get("p")).intValue()].release();
            }
            processed.incrementAndGet();
        });
        Worker worker = new Worker(queue, handlers, List.of(new QueueSettings(name, concurrency, 0)), lease,
                JobMetrics.NONE, "bench").start();
        AtomicLong enqueued = new AtomicLong();
        long cpu0 = processCpuNanos();
        long start = System.nanoTime();
        long stopAt = start + Duration.ofSeconds(seconds).toNanos();
        List<Thread> producers = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int i = 0; i < concurrency; i++) {
            Thread t = new Thread(() -> {
                try {
                    while (System.nanoTime() < stopAt) {
                        queue.add(JobRequest.of(name, "noop", "{}")
                                .withRetention(0, 100));
                        enqueued.incrementAndGet();
                    }
                } finally {
                    done.countDown();
                }
            }, "producer-" + i);
            producers.add(t);
            t.start();
        }
        done.await();
        double enqueueSeconds = (System.nanoTime() - start) / 1e9;
        long drainDeadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (processed.get() < enqueued.get() && System.nanoTime() < drainDeadline) {
            Thread.sleep(5);
        }
        double processSeconds = (System.nanoTime() - start) / 1e9;
        long throughputJobs = processed.get();
        long throughputEnqueued = enqueued.get();
        // this process's CPU (producers, worker, Lettuce, GC) over the throughput phase, per job run
        double cpuMicrosPerJob = throughputJobs == 0 ? 0 : (processCpuNanos() - cpu0) / 1e3 / throughputJobs;

        // latency: each of the C producers keeps exactly one job in flight (enqueue, wait until it ran, repeat)
        latency.getIntervalHistogram();
        long latencyStop = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        CountDownLatch latencyDone = new CountDownLatch(concurrency);
        for (int i = 0; i < concurrency; i++) {
            int me = i;
            new Thread(() -> {
                try {
                    while (System.nanoTime() < latencyStop) {
                        queue.add(JobRequest.of(name, "noop", "{\"t\":" + System.nanoTime() + ",\"p\":" + me + "}")
                                .withRetention(0, 100));
                        if (!turns[me].tryAcquire(30, TimeUnit.SECONDS)) {
                            break;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    latencyDone.countDown();
                }
            }, "latency-" + i).start();
        }
        latencyDone.await();
        worker.close(Duration.ofSeconds(5));
        Histogram h = latency.getIntervalHistogram();
        if (print) {
            System.out.printf(Locale.ROOT, "%-9s %5d %12.0f %12.0f %9.2f %9.2f %9.1f %8d %9.1f%s%n", backend,
                    concurrency, throughputEnqueued / enqueueSeconds, throughputJobs / processSeconds,
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                    h.getMaxValue() / 1000.0, throughputJobs, cpuMicrosPerJob,
                    throughputJobs < throughputEnqueued ? "  (drain timed out)" : "");
        }
        if (relay != null) {
            relay.close();
        }
        queue.close();
        notifier.close();
        ledger.close();
        if (queue instanceof RabbitJobQueue) {
            deleteRabbitQueues(rabbitUrl, prefix + "." + name);
        } else if (queue instanceof RedisJobQueue) {
            deleteRedisKeys(redisUrl, prefix + ":");
        }
    }

    private static void deleteRabbitQueues(String url, String main) throws Exception {
        com.rabbitmq.client.ConnectionFactory f = new com.rabbitmq.client.ConnectionFactory();
        f.setUri(url);
        try (var c = f.newConnection(); var ch = c.createChannel()) {
            ch.queueDelete(main);
            for (int level = 0; level < RabbitJobQueue.DELAY_LEVELS; level++) {
                ch.queueDelete(main + ".delay." + (1L << level) + "s");
            }
        }
    }

    private static void deleteRedisKeys(String url, String prefix) {
        var client = com.hushryd.store.RedisConnector.client(RedisUrl.parse(url), "bench-cleanup");
        try (var c = client.connect()) {
            io.lettuce.core.ScanCursor cursor = io.lettuce.core.ScanCursor.INITIAL;
            do {
                io.lettuce.core.KeyScanCursor<String> page = c.sync().scan(cursor,
                        io.lettuce.core.ScanArgs.Builder.matches(prefix + "*").limit(1000));
                if (!page.getKeys().isEmpty()) {
                    c.sync().del(page.getKeys().toArray(String[]::new));
                }
                cursor = page;
            } while (!cursor.isFinished());
            c.sync().del(prefix + "queues");
        } finally {
            client.shutdown();
        }
    }
}
