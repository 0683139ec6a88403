package com.hushryd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import redis.embedded.RedisServer;

/**
 * Issue 21's measurements. {@code replicas}: uncached trip searches against one node on a PostgreSQL of the bench's
 * own, first with every read on the primary, then with a streaming replica of it (DATABASE_READ_URLS); throughput,
 * p50/p99, and the CPU the primary's, the replica's and the node's processes spent per 1,000 searches. {@code wire}:
 * bytes of a search page with and without gzip, gzip's cost by body size (the compression threshold), and the bytes
 * and CPU per delivery of location:update frames with permessage-deflate (compressed as the server's WebSocket does:
 * raw deflate, one context per connection, sync flush).
 */
@Command(name = "replicas", mixinStandardHelpOptions = true, description = "Read replicas and compression (issue 21).")
final class ReplicaCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--jar", required = true, description = "The server jar.")
    Path jar;

    @Option(names = "--trips", defaultValue = "3000", description = "Trips seeded (default: ${DEFAULT-VALUE}).")
    int trips;

    @Option(names = "--connections", defaultValue = "32", description = "Concurrent searchers (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--duration", defaultValue = "15", description = "Seconds measured per run (default: ${DEFAULT-VALUE}).")
    int duration;

    @Option(names = "--warmup", defaultValue = "5", description = "Seconds of load before each measured run.")
    int warmup;

    @Option(names = "--runs", defaultValue = "3", description = "Measured runs per set-up (default: ${DEFAULT-VALUE}).")
    int runs;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    record Run(double rps, double p50, double p99, long errors, double primaryCpu, double replicaCpu, double nodeCpu) {
    }

    @Override
    public Integer call() throws Exception {
        Path work = Files.createTempDirectory("hushryd-bench-replicas");
        int pgPort = OwnServers.freePort();
        int replicaPort = OwnServers.freePort();
        int redisPort = OwnServers.freePort();
        Path primaryDir = work.resolve("primary");
        Path replicaDir = work.resolve("replica");
        EmbeddedPostgres primary = OwnServers.startPostgres(primaryDir, pgPort);
        EmbeddedPostgres replica = null;
        RedisServer redis = null;
        String secret = OwnServers.newSecret();
        try {
            replica = StreamingReplica.start(primaryDir, pgPort, replicaDir, replicaPort);
            redis = OwnServers.startRedis(redisPort);
            return measure(work, pgPort, replicaPort, redisPort, primaryDir, replicaDir, secret);
        } finally {
            if (redis != null) {
                redis.stop();
            }
            if (replica != null) {
                replica.close();
            }
            primary.close();
            OwnServers.deleteTree(work.toFile());
        }
    }

    private int measure(Path work, int pgPort, int replicaPort, int redisPort, Path primaryDir, Path replicaDir,
            String secret) throws Exception {
        System.out.printf("# %d cores shared by the load client, the node, the primary and the replica; load before: %s%n",
                Runtime.getRuntime().availableProcessors(), loadAverage());
        boolean seeded = false;
        for (boolean withReplica : new boolean[] {false, true}) {
            int port = OwnServers.freePort();
            Path log = work.resolve("node-" + withReplica + ".log");
            Map<String, String> extra = new java.util.HashMap<>(Map.of("RATE_LIMIT_ENABLED", "false",
                    "SHED_EVENT_LOOP_LAG", "30s", "SHED_POOL_WAITING", "100000", "LOG_LEVEL", "warn"));
            if (withReplica) {
                extra.put("DATABASE_READ_URLS", "postgresql://postgres@127.0.0.1:" + replicaPort + "/postgres");
            }
            Process node = OwnServers.startNode(jar, "bench-" + (withReplica ? "replica" : "primary"), port,
                    work.resolve("data-" + withReplica), pgPort, redisPort, secret, log, extra);
            URI base = URI.create("http://127.0.0.1:" + port);
            try {
                if (!OwnServers.waitReady(base, node)) {
                    OwnServers.printWarnings("node", log);
                    return 1;
                }
                String driver = register(base, "driver");
                String passenger = register(base, "passenger");
                if (!seeded) {
                    seed(base, driver);
                    seeded = true;
                    Thread.sleep(2000); // the replica replays the seed
                }
                String label = withReplica ? "1 replica " : "0 replicas";
                load(base, passenger, warmup, null, null, 0);
                List<Run> measured = new ArrayList<>();
                for (int r = 1; r <= runs; r++) {
                    Run run = load(base, passenger, duration, primaryDir, replicaDir, node.pid());
                    measured.add(run);
                    print(label + " run " + r, run);
                }
                print(label + " median", median(measured));
                if (withReplica) {
                    System.out.println("# " + metricLines(base, "hushryd_db_reads_total"));
                }
                if (!withReplica) {
                    wire(base, passenger);
                }
            } finally {
                node.destroy();
                node.waitFor();
                OwnServers.printWarnings("node", log);
            }
        }
        frames();
        gzipCost();
        return 0;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "n/a";
        }
    }

    private String register(URI base, String role) throws Exception {
        String phone = "+919" + String.format("%09d", ThreadLocalRandom.current().nextInt(1_000_000_000));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/api/v1/auth/register"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON
                        .writeValueAsString(Map.of("phone", phone, "name", "Bench " + role, "password", "bench-password",
                                "role", role)))).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body()).path("accessToken").asText();
    }

    private void seed(URI base, String driver) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        OffsetDateTime now = OffsetDateTime.now();
        for (int i = 0; i < trips; i++) {
            int n = i;
            done.add(pool.submit(() -> {
                String body = JSON.writeValueAsString(Map.of(
                        "source", Map.of("city", "City" + n % 10, "lat", 12.9, "lng", 77.5),
                        "destination", Map.of("city", "City" + (n * 7 + 3) % 10, "lat", 13.0, "lng", 77.6),
                        "departureTime", now.plusMinutes(60 + n * 3L).toString(), "seats", 4,
                        "pricePerSeat", 100 + n % 500));
                return http.send(HttpRequest.newBuilder(base.resolve("/api/v1/trips")).header("Content-Type",
                        "application/json").header("Authorization", "Bearer " + driver)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
            }));
        }
        for (var f : done) {
            f.get();
        }
        pool.shutdown();
    }

    /** Uncached searches (each with its own maxPrice) from {@code connections} threads for {@code seconds}. */
    private Run load(URI base, String token, int seconds, Path primaryDir, Path replicaDir, long nodePid)
            throws Exception {
        Histogram latency = new Histogram(60_000_000_000L, 3);
        LongAdder ok = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        long pg0 = primaryDir == null ? 0 : StreamingReplica.cpuMillis(primaryDir);
        long rep0 = replicaDir == null ? 0 : StreamingReplica.cpuMillis(replicaDir);
        ServerProbe nodeProbe = new ServerProbe(nodePid);
        long node0 = nodeProbe.cpuMillis();
        long t0 = System.nanoTime();
        for (int i = 0; i < connections; i++) {
            pool.execute(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                while (!stop.get()) {
                    String q = String.format(Locale.ROOT, "/api/v1/trips/search?from=City%d&to=City%d&maxPrice=%d.%02d",
                            rnd.nextInt(10), rnd.nextInt(10), rnd.nextInt(100, 10_000), rnd.nextInt(100));
                    long s = System.nanoTime();
                    try {
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(base.resolve(q))
                                .header("Authorization", "Bearer " + token).build(),
                                HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() == 200) {
                            ok.increment();
                            synchronized (latency) {
                                latency.recordValue(System.nanoTime() - s);
                            }
                        } else {
                            errors.increment();
                        }
                    } catch (Exception e) {
                        errors.increment();
                    }
                }
            });
        }
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        pool.shutdown();
        pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
        double wall = (System.nanoTime() - t0) / 1e9;
        double k = ok.sum() / 1000.0;
        double pg = primaryDir == null ? 0 : (StreamingReplica.cpuMillis(primaryDir) - pg0) / k;
        double rep = replicaDir == null ? 0 : (StreamingReplica.cpuMillis(replicaDir) - rep0) / k;
        double nd = node0 < 0 ? 0 : (nodeProbe.cpuMillis() - node0) / k;
        return new Run(ok.sum() / wall, latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
                errors.sum(), pg, rep, nd);
    }

    private static Run median(List<Run> runs) {
        return new Run(med(runs, Run::rps), med(runs, Run::p50), med(runs, Run::p99),
                (long) med(runs, r -> (double) r.errors()), med(runs, Run::primaryCpu), med(runs, Run::replicaCpu),
                med(runs, Run::nodeCpu));
    }

    private static double med(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        return v[v.length / 2];
    }

    private static void print(String label, Run r) {
        System.out.printf(Locale.ROOT, "search %-20s %7.0f req/s  p50 %6.1f ms  p99 %6.1f ms  errors %d  CPU per 1000 "
                + "searches: primary PG %5.0f ms, replica PG %5.0f ms, node %5.0f ms  (load %s)%n", label, r.rps(),
                r.p50(), r.p99(), r.errors(), r.primaryCpu(), r.replicaCpu(), r.nodeCpu(), loadAverage());
    }

    private String metricLines(URI base, String name) throws Exception {
        String text = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return String.join("; ", text.lines().filter(l -> l.startsWith(name)).toList());
    }

    /** A search page's bytes with and without gzip, through the node (what a client receives). */
    private void wire(URI base, String token) throws Exception {
        for (int limit : new int[] {1, 5, 20, 100}) {
            URI u = base.resolve("/api/v1/trips/search?from=City3&to=City4&limit=" + limit);
            HttpResponse<byte[]> plain = http.send(HttpRequest.newBuilder(u).header("Authorization", "Bearer " + token)
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            HttpResponse<byte[]> gz = http.send(HttpRequest.newBuilder(u).header("Authorization", "Bearer " + token)
                    .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
            System.out.printf(Locale.ROOT, "wire   search page limit=%-3d %7d B identity  %7d B %s  (%.0f%%)%n", limit,
                    plain.body().length, gz.body().length, gz.headers().firstValue("Content-Encoding").orElse("identity"),
                    100.0 * gz.body().length / plain.body().length);
        }
    }

    /** gzip (level 6, as the node) of JSON bodies by size: bytes saved and CPU per response. */
    private static void gzipCost() throws Exception {
        StringBuilder sb = new StringBuilder("{\"items\":[");
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        while (sb.length() < 70_000) {
            sb.append(String.format(Locale.ROOT, "{\"id\":\"%s\",\"driverId\":\"%s\",\"driverName\":\"Driver %d\","
                    + "\"source\":{\"city\":\"City%d\",\"lat\":12.9,\"lng\":77.5},\"destination\":{\"city\":\"City%d\","
                    + "\"lat\":13.0,\"lng\":77.6},\"departureTime\":\"2027-01-0%dT%02d:%02d:00Z\",\"seats\":4,"
                    + "\"seatsAvailable\":%d,\"pricePerSeat\":%d.00,\"status\":\"scheduled\"},", UUID.randomUUID(),
                    UUID.randomUUID(), rnd.nextInt(1000), rnd.nextInt(10), rnd.nextInt(10), 1 + rnd.nextInt(9),
                    rnd.nextInt(24), rnd.nextInt(60), rnd.nextInt(5), 100 + rnd.nextInt(500)));
        }
        byte[] all = sb.toString().getBytes(StandardCharsets.UTF_8);
        for (int size : new int[] {128, 256, 512, 1024, 1460, 2048, 4096, 16384, 65536}) {
            byte[] body = java.util.Arrays.copyOf(all, size);
            int out = 0;
            int n = 20_000_000 / size + 200;
            for (int i = 0; i < n / 4; i++) {
                out = gzip(body).length; // warm-up
            }
            long t = cpuNanos();
            for (int i = 0; i < n; i++) {
                out = gzip(body).length;
            }
            double us = (cpuNanos() - t) / 1e3 / n;
            System.out.printf(Locale.ROOT, "gzip   %6d B body -> %6d B (%3.0f%%), %7.1f us CPU per response, "
                    + "%d TCP segment(s) -> %d%n", size, out, 100.0 * out / size, us, (size + 1447) / 1448,
                    (out + 1447) / 1448);
        }
    }

    /** This thread's CPU time: unlike wall time, not inflated by other processes on a loaded machine. */
    private static long cpuNanos() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private static byte[] gzip(byte[] body) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(body.length / 2 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(body);
        }
        return bos.toByteArray();
    }

    /**
     * location:update frames of one trip as the server sends them, deflated as permessage-deflate does (raw deflate,
     * level 6, one context per connection kept across messages, sync flush, the 4-byte tail dropped): bytes and CPU.
     */
    private static void frames() {
        UUID trip = UUID.randomUUID();
        UUID driver = UUID.randomUUID();
        List<byte[]> frames = new ArrayList<>();
        double lat = 12.9716;
        double lng = 77.5946;
        java.time.Instant t = java.time.Instant.parse("2027-01-01T08:00:00Z");
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int i = 0; i < 2000; i++) {
            lat += rnd.nextDouble(-0.0002, 0.0003);
            lng += rnd.nextDouble(-0.0002, 0.0003);
            t = t.plusMillis(1000 + rnd.nextInt(50));
            frames.add(String.format(Locale.ROOT, "42[\"location:update\",{\"tripId\":\"%s\",\"driverId\":\"%s\","
                    + "\"lat\":%s,\"lng\":%s,\"speed\":%.1f,\"heading\":%.1f,\"accuracy\":%.1f,\"timestamp\":\"%s\"}]",
                    trip, driver, lat, lng, rnd.nextDouble(0, 60), rnd.nextDouble(0, 360), rnd.nextDouble(3, 20), t)
                    .getBytes(StandardCharsets.UTF_8));
        }
        long raw = 0;
        long deflated = 0;
        byte[] buf = new byte[4096];
        long cpu = 0;
        for (int round = 0; round < 21; round++) {
            Deflater d = new Deflater(6, true);
            long r = 0;
            long z = 0;
            long t0 = cpuNanos();
            for (byte[] f : frames) {
                d.setInput(f);
                int n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
                r += f.length + 2;
                z += n - 4 + 2;
            }
            long spent = cpuNanos() - t0;
            d.end();
            if (round >= 1) {
                raw += r;
                deflated += z;
                cpu += spent;
            }
        }
        int measuredFrames = frames.size() * 20;
        System.out.printf(Locale.ROOT, "wire   location:update frame: %.0f B plain, %.0f B with permessage-deflate (%.0f%%),"
                + " %.2f us CPU per delivery to deflate (each connection compresses its own copy)%n",
                (double) raw / measuredFrames, (double) deflated / measuredFrames, 100.0 * deflated / raw,
                cpu / 1e3 / measuredFrames);
    }
}
