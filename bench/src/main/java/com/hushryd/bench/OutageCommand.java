package com.hushryd.bench;

import com.hushryd.bench.load.LoadClients;
import com.hushryd.bench.load.SioConnection;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import redis.embedded.RedisServer;

/**
 * Issue 13's outage acceptance: a node on a PostgreSQL and a Redis of this command's own carries live tracking
 * (drivers' acked {@code location:update}s, a booked passenger on the same node listening), SOS triggers and API
 * reads/writes; then one dependency is stopped for {@code --down} seconds and started again. Prints a per-second
 * timeline and, per kind of work, how much succeeded while the dependency was down and when the last failure after its
 * return happened. SOS alerts answered 201 are then looked up in PostgreSQL itself (the verdict comes from the
 * database, not from the node).
 */
@Command(name = "outage", mixinStandardHelpOptions = true,
        description = "Stops Redis or PostgreSQL under load and measures what keeps working and how fast service returns.")
final class OutageCommand implements Callable<Integer> {
    @Option(names = "--dependency", required = true, description = "What to stop: redis or postgres.")
    String dependency;

    @Option(names = "--jar", defaultValue = "server/target/hushryd.jar", description = "Server jar (default: ${DEFAULT-VALUE}).")
    Path jar;

    @Option(names = "--before", defaultValue = "10", description = "Seconds of load before the outage (default: ${DEFAULT-VALUE}).")
    int before;

    @Option(names = "--down", defaultValue = "30", description = "Seconds the dependency is stopped (default: ${DEFAULT-VALUE}).")
    int down;

    @Option(names = "--after", defaultValue = "20", description = "Seconds of load after it returns (default: ${DEFAULT-VALUE}).")
    int after;

    @Option(names = "--trips", defaultValue = "20", description = "Active trips, each a driver and a listening passenger (default: ${DEFAULT-VALUE}).")
    int trips;

    @Option(names = "--rate", defaultValue = "100", description = "Location updates per second in total (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--sos-rate", defaultValue = "1", description = "SOS triggers per second, each by a user of its own (default: ${DEFAULT-VALUE}).")
    int sosRate;

    @Option(names = "--api-rate", defaultValue = "20", description = "API requests per second: uncached trip searches and booking lists (default: ${DEFAULT-VALUE}).")
    int apiRate;

    @Option(names = "--node-log", description = "Keep the node's log in this file (default: printed warnings only).")
    Path nodeLog;

    /** One kind of work: per-second counts and the outcome times that the summary needs. */
    private static final class Series {
        final String name;
        final LongAdder[] ok;
        final LongAdder[] failed;
        final Map<String, LongAdder> reasons = new ConcurrentHashMap<>();
        /** Send times (ns) of failures and successes, for the recovery figures. */
        final List<long[]> outcomes = Collections.synchronizedList(new ArrayList<>());

        Series(String name, int seconds) {
            this.name = name;
            ok = new LongAdder[seconds];
            failed = new LongAdder[seconds];
            for (int i = 0; i < seconds; i++) {
                ok[i] = new LongAdder();
                failed[i] = new LongAdder();
            }
        }
    }

    private volatile long returnedAt;
    private final AtomicLong firstRemoteAfterReturn = new AtomicLong();
    private long begin;
    private int seconds;

    private int second(long sentNanos) {
        return (int) Math.max(0, Math.min(seconds - 1, (sentNanos - begin) / 1_000_000_000L));
    }

    private void record(Series s, long sentNanos, boolean success, String reason) {
        int sec = second(sentNanos);
        (success ? s.ok : s.failed)[sec].increment();
        s.outcomes.add(new long[] {sentNanos, success ? 1 : 0});
        if (!success) {
            s.reasons.computeIfAbsent(reason, k -> new LongAdder()).increment();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!dependency.equals("redis") && !dependency.equals("postgres")) {
            System.err.println("--dependency must be redis or postgres, got '" + dependency + "'");
            return 2;
        }
        if (!Files.isRegularFile(jar)) {
            System.err.println("no server jar at " + jar + " (build it: mvn -pl server -am -DskipTests package)");
            return 2;
        }
        Path work = Files.createTempDirectory("hushryd-outage");
        int pgPort = OwnServers.freePort();
        int redisPort = OwnServers.freePort();
        EmbeddedPostgres pg = OwnServers.startPostgres(work.resolve("pg"), pgPort);
        RedisServer redis = OwnServers.startRedis(redisPort);
        Path log = nodeLog != null ? nodeLog : work.resolve("node.log");
        String secret = OwnServers.newSecret();
        int nodePort = OwnServers.freePort();
        int otherPort = OwnServers.freePort();
        Process node = OwnServers.startNode(jar, "outage-a", nodePort, work.resolve("data-a"), pgPort, redisPort, secret,
                log, Map.of());
        Process other = OwnServers.startNode(jar, "outage-b", otherPort, work.resolve("data-b"), pgPort, redisPort,
                secret, work.resolve("node-b.log"), Map.of());
        URI url = URI.create("http://127.0.0.1:" + nodePort);
        URI otherUrl = URI.create("http://127.0.0.1:" + otherPort);
        Vertx vertx = null;
        List<SioConnection> sockets = new ArrayList<>();
        ExecutorService senders = Executors.newFixedThreadPool(64);
        try {
            Api api = new Api(url);
            if (!OwnServers.waitReady(url, node) || !OwnServers.waitReady(otherUrl, other)) {
                System.err.println("a node did not become ready; node A's log:");
                System.err.println(Files.readString(log));
                return 1;
            }
            System.err.printf("# outage of %s: node A %s (pid %d) carries the load, node B %s (pid %d) has a second "
                    + "listener per trip; PostgreSQL :%d, Redis :%d; %d cores shared by all%n", dependency, url,
                    node.pid(), otherUrl, other.pid(), pgPort, redisPort, Runtime.getRuntime().availableProcessors());

            // set-up: active trips with a booked passenger each, and one user per SOS trigger with a contact
            List<String[]> rides = Collections.synchronizedList(new ArrayList<>());
            ExecutorService setup = Executors.newFixedThreadPool(8);
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int i = 0; i < trips; i++) {
                done.add(setup.submit(() -> {
                    String driver = api.register("driver");
                    String trip = api.call("POST", "/trips", driver, Map.of(
                            "source", Map.of("city", "A", "lat", 12.9, "lng", 77.5),
                            "destination", Map.of("city", "B", "lat", 13.0, "lng", 77.6),
                            "departureTime", OffsetDateTime.now().plusHours(1).toString(), "seats", 3,
                            "pricePerSeat", 100)).path("id").asText();
                    String passenger = api.register("passenger");
                    api.call("POST", "/trips/" + trip + "/bookings", passenger, Map.of("seats", 1));
                    String remote = api.register("passenger");
                    api.call("POST", "/trips/" + trip + "/bookings", remote, Map.of("seats", 1));
                    api.call("POST", "/trips/" + trip + "/start", driver, null);
                    rides.add(new String[] {driver, trip, passenger, remote});
                    return null;
                }));
            }
            seconds = before + down + after;
            int sosUsers = sosRate * seconds;
            List<String> sosTokens = Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < sosUsers; i++) {
                done.add(setup.submit(() -> {
                    String p = api.register("passenger");
                    api.call("PUT", "/me/emergency-contacts", p, Map.of("contacts", List.of(Map.of("name", "Kin",
                            "phone", "+9198" + String.format("%08d", (long) (Math.random() * 1e8))))));
                    sosTokens.add(p);
                    return null;
                }));
            }
            String searcher = api.register("passenger");
            for (var f : done) {
                f.get();
            }
            setup.shutdown();
            System.err.printf("  set up %d active trips and %d SOS users%n", rides.size(), sosTokens.size());

            vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
            LoadClients load = new LoadClients(vertx, url, 1);
            List<SioConnection> drivers = load.open(rides.size(), 64, i -> "{\"token\":\"" + rides.get(i)[0] + "\"}",
                    (t, n) -> { }, "drivers");
            LongAdder[] delivered = new LongAdder[seconds];
            for (int i = 0; i < seconds; i++) {
                delivered[i] = new LongAdder();
            }
            List<SioConnection> listeners = load.open(rides.size(), 64,
                    i -> "{\"token\":\"" + rides.get(i)[2] + "\"}", (text, now) -> {
                        if (text.startsWith("42[\"location:update\"")) {
                            delivered[second(now)].increment();
                        }
                    }, "passengers");
            LongAdder[] deliveredRemote = new LongAdder[seconds];
            for (int i = 0; i < seconds; i++) {
                deliveredRemote[i] = new LongAdder();
            }
            List<SioConnection> remotes = new LoadClients(vertx, otherUrl, 1).open(rides.size(), 64,
                    i -> "{\"token\":\"" + rides.get(i)[3] + "\"}", (text, now) -> {
                        if (text.startsWith("42[\"location:update\"")) {
                            deliveredRemote[second(now)].increment();
                            if (returnedAt != 0 && now > returnedAt) {
                                firstRemoteAfterReturn.compareAndSet(0, now);
                            }
                        }
                    }, "passengers on node B");
            sockets.addAll(drivers);
            sockets.addAll(listeners);
            sockets.addAll(remotes);
            if (drivers.contains(null) || listeners.contains(null) || remotes.contains(null)) {
                System.err.println("not every socket connected; aborting");
                return 1;
            }
            for (int i = 0; i < listeners.size(); i++) {
                listeners.get(i).emitRaw("[\"track:subscribe\",\"" + rides.get(i)[1] + "\"]");
                remotes.get(i).emitRaw("[\"track:subscribe\",\"" + rides.get(i)[1] + "\"]");
            }
            Thread.sleep(1000);

            Series location = new Series("location:update (socket, acked)", seconds);
            Series sos = new Series("POST /sos", seconds);
            Series apiSeries = new Series("API (search, bookings)", seconds);
            List<String> sosIds = Collections.synchronizedList(new ArrayList<>());
            AtomicLong locationSent = new AtomicLong();
            begin = System.nanoTime();
            long end = begin + seconds * 1_000_000_000L;
            long[] lastTs = new long[drivers.size()];
            AtomicInteger nextDriver = new AtomicInteger();
            long timer = vertx.setPeriodic(5, id -> {
                long now = System.nanoTime();
                if (now >= end) {
                    return;
                }
                long due = (long) ((now - begin) / 1e9 * rate);
                while (locationSent.get() < due) {
                    locationSent.incrementAndGet();
                    int i = nextDriver.getAndIncrement() % drivers.size();
                    long ts = Math.max(System.currentTimeMillis(), lastTs[i] + 1);
                    lastTs[i] = ts;
                    long sent = System.nanoTime();
                    drivers.get(i).emitRawWithAck("[\"location:update\",{\"tripId\":\"" + rides.get(i)[1]
                            + "\",\"lat\":12.95,\"lng\":77.55,\"speed\":40,\"heading\":90,\"timestamp\":" + ts + "}]",
                            ack -> record(location, sent, ack.contains("\"ok\":true"), reason(ack)));
                }
            });
            // SOS and API requests, paced by the clock from their own threads
            Thread sosPacer = pacer("sos", sosRate, end, n -> {
                if (n >= sosTokens.size()) {
                    return;
                }
                String token = sosTokens.get((int) n);
                senders.execute(() -> {
                    long sent = System.nanoTime();
                    try {
                        Api.Result r = api.send("POST", "/sos", token, Map.of("lat", 12.95, "lng", 77.55,
                                "message", "outage bench"), Map.of("Idempotency-Key", "outage-" + n));
                        boolean ok = r.status() == 201;
                        if (ok) {
                            sosIds.add(r.body().path("alertId").asText(r.body().path("id").asText()));
                        }
                        record(sos, sent, ok, r.status() + " " + (r.body() == null ? "" : r.body().path("code").asText()));
                    } catch (Exception e) {
                        record(sos, sent, false, e.getClass().getSimpleName());
                    }
                });
            });
            String today = LocalDate.now().plusDays(1).toString();
            Thread apiPacer = pacer("api", apiRate, end, n -> senders.execute(() -> {
                long sent = System.nanoTime();
                try {
                    Api.Result r = n % 2 == 0
                            ? api.send("GET", "/trips/search?from=City" + n + "&to=Town" + n + "&date=" + today,
                                    searcher, null, Map.of())
                            : api.send("GET", "/bookings", rides.get((int) (n % rides.size()))[2], null, Map.of());
                    record(apiSeries, sent, r.status() == 200, r.status() + " "
                            + (r.body() == null ? "" : r.body().path("code").asText()));
                } catch (Exception e) {
                    record(apiSeries, sent, false, e.getClass().getSimpleName());
                }
            }));
            sosPacer.start();
            apiPacer.start();

            sleepUntil(begin + before * 1_000_000_000L);
            long downAt = System.nanoTime();
            if (dependency.equals("redis")) {
                redis.stop();
            } else {
                pg.close();
            }
            System.err.printf("  t=%ds %s stopped%n", second(downAt), dependency);
            sleepUntil(begin + (before + down) * 1_000_000_000L);
            if (dependency.equals("redis")) {
                redis = OwnServers.startRedis(redisPort);
            } else {
                pg = OwnServers.startPostgres(work.resolve("pg"), pgPort);
            }
            long upAt = System.nanoTime();
            returnedAt = upAt;
            System.err.printf("  t=%ds %s accepting connections again (took %d ms to start)%n", second(upAt), dependency,
                    (upAt - (begin + (before + down) * 1_000_000_000L)) / 1_000_000);
            sleepUntil(end);
            sosPacer.join();
            apiPacer.join();
            vertx.cancelTimer(timer);
            senders.shutdown();
            senders.awaitTermination(30, TimeUnit.SECONDS);
            Thread.sleep(2000);

            System.out.printf(Locale.ROOT, "outage of %s for %d s under load: %d trips (%d location updates/s), "
                    + "%d SOS/s, %d API requests/s%n", dependency, down, rides.size(), rate, sosRate, apiRate);
            System.out.println(" sec  phase | loc ok  fail  same-node other-node | sos ok fail | api ok fail");
            for (int s = 0; s < seconds; s++) {
                String phase = s < second(downAt) ? "before" : s < second(upAt) ? "DOWN" : "after";
                System.out.printf(Locale.ROOT, "%4d %6s | %6d %5d %9d %10d | %6d %4d | %6d %4d%n", s, phase,
                        location.ok[s].sum(), location.failed[s].sum(), delivered[s].sum(), deliveredRemote[s].sum(),
                        sos.ok[s].sum(),
                        sos.failed[s].sum(), apiSeries.ok[s].sum(), apiSeries.failed[s].sum());
            }
            long deliveredDown = 0;
            for (int s = before; s < before + down; s++) {
                deliveredDown += delivered[s].sum();
            }
            for (Series s : List.of(location, sos, apiSeries)) {
                summary(s, downAt, upAt);
            }
            long remoteDown = 0;
            for (int s = second(downAt) + 1; s < second(upAt); s++) {
                remoteDown += deliveredRemote[s].sum();
            }
            int remoteBack = -1;
            for (int s = second(upAt); s < seconds && remoteBack < 0; s++) {
                if (deliveredRemote[s].sum() >= rides.size()) {
                    remoteBack = s - second(upAt);
                }
            }
            System.out.printf(Locale.ROOT, "  location deliveries while down: %d to listeners on node A (the drivers' node), "
                    + "%d to listeners on node B; after the return, node B's first delivery at %s, at least one update "
                    + "per trip a second from second %s after it%n", deliveredDown, remoteDown,
                    firstRemoteAfterReturn.get() == 0 ? "never" : String.format(Locale.ROOT, "+%.1fs",
                            (firstRemoteAfterReturn.get() - upAt) / 1e9), remoteBack < 0 ? "(never)" : "" + remoteBack);
            return verifySos(pgPort, sosIds, sos) ? 0 : 1;
        } finally {
            sockets.stream().filter(java.util.Objects::nonNull).forEach(SioConnection::close);
            if (vertx != null) {
                vertx.close();
            }
            senders.shutdownNow();
            for (Process p : List.of(node, other)) {
                p.destroy();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            OwnServers.printWarnings("node A", log);
            try {
                redis.stop();
            } catch (IOException | RuntimeException e) {
                // already stopped
            }
            pg.close();
            OwnServers.deleteTree(work.toFile());
        }
    }

    private static String reason(String ack) {
        int at = ack.indexOf("\"code\":\"");
        return at < 0 ? ack.substring(0, Math.min(60, ack.length())) : ack.substring(at + 8, ack.indexOf('"', at + 8));
    }

    /** A thread that calls {@code task} with 0, 1, 2, ... at {@code perSecond} by the clock until {@code end}. */
    private Thread pacer(String name, int perSecond, long end, java.util.function.LongConsumer task) {
        Thread t = new Thread(() -> {
            long n = 0;
            while (true) {
                long at = begin + n * 1_000_000_000L / Math.max(1, perSecond);
                if (at >= end) {
                    return;
                }
                sleepUntil(at);
                task.accept(n++);
            }
        }, "pacer-" + name);
        t.setDaemon(true);
        return t;
    }

    private static void sleepUntil(long nanos) {
        long wait;
        while ((wait = nanos - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void summary(Series s, long downAt, long upAt) {
        long okDown = 0;
        long failDown = 0;
        long lastFailureAfterUp = -1;
        long firstSuccessAfterUp = -1;
        List<long[]> outcomes;
        synchronized (s.outcomes) {
            outcomes = new ArrayList<>(s.outcomes);
        }
        outcomes.sort(Comparator.comparingLong(o -> o[0]));
        for (long[] o : outcomes) {
            if (o[0] >= downAt && o[0] < upAt) {
                if (o[1] == 1) {
                    okDown++;
                } else {
                    failDown++;
                }
            } else if (o[0] >= upAt) {
                if (o[1] == 0) {
                    lastFailureAfterUp = o[0];
                } else if (firstSuccessAfterUp < 0) {
                    firstSuccessAfterUp = o[0];
                }
            }
        }
        long total = okDown + failDown;
        System.out.printf(Locale.ROOT, "  %-32s while down: %d/%d succeeded (%.1f%%); after return: first success at "
                        + "+%s, last failure at %s%n", s.name, okDown, total, total == 0 ? 0 : okDown * 100.0 / total,
                firstSuccessAfterUp < 0 ? "never" : String.format(Locale.ROOT, "%.1fs", (firstSuccessAfterUp - upAt) / 1e9),
                lastFailureAfterUp < 0 ? "none" : String.format(Locale.ROOT, "+%.1fs", (lastFailureAfterUp - upAt) / 1e9));
        if (!s.reasons.isEmpty()) {
            StringBuilder b = new StringBuilder("    failures by reason:");
            s.reasons.forEach((k, v) -> b.append(' ').append(k.isBlank() ? "?" : k.trim()).append('=').append(v.sum()));
            System.out.println(b);
        }
    }

    /** Every SOS answered 201 must be in PostgreSQL; the node may still be writing journaled ones, so wait a while. */
    private static boolean verifySos(int pgPort, List<String> ids, Series sos) throws Exception {
        String sql = "SELECT count(*) FROM sos_alerts WHERE id = ANY (?::uuid[])";
        long found = 0;
        long deadline = System.nanoTime() + 30_000_000_000L;
        List<String> wanted = new ArrayList<>(ids);
        while (true) {
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres",
                    "postgres", null); PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setArray(1, c.createArrayOf("text", wanted.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    found = rs.getLong(1);
                }
            }
            if (found >= wanted.size() || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(500);
        }
        System.out.printf("  SOS answered 201: %d; found in PostgreSQL: %d%s%n", wanted.size(), found,
                found == wanted.size() ? "" : "  <-- LOST");
        return found == wanted.size();
    }
}
