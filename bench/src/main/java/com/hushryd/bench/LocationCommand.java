package com.hushryd.bench;

import com.hushryd.bench.load.LoadClients;
import com.hushryd.bench.load.SioConnection;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.URI;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * P-LOC against a running node: sets up drivers with active trips and booked passengers over the HTTP API, connects
 * every driver and passenger, subscribes the passengers, then drivers send {@code location:update} at a fixed total
 * rate. Reports acknowledged updates/s, deliveries/s, update-to-subscriber latency, and (with --redis) the Redis
 * commands executed per update.
 */
@Command(name = "location", mixinStandardHelpOptions = true, description = "Live-tracking throughput (P-LOC).")
final class LocationCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "Node (default: ${DEFAULT-VALUE}).")
    URI url;

    @Option(names = "--trips", defaultValue = "200", description = "Active trips, each with a driver (default: ${DEFAULT-VALUE}).")
    int trips;

    @Option(names = "--subscribers", defaultValue = "1", description = "Listening passengers per trip (default: ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(names = "--rate", defaultValue = "5000", description = "Updates per second in total (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--warmup", defaultValue = "5", description = "Seconds before measuring (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--duration", defaultValue = "15", description = "Seconds measured (default: ${DEFAULT-VALUE}).")
    int duration;

    @Option(names = "--redis", description = "The node's Redis, to count commands per update (INFO stats).")
    String redis;

    @Option(names = "--server-pid", defaultValue = "0", description = "Node process id, for its CPU.")
    long serverPid;

    @Option(names = "--label", defaultValue = "hushryd", description = "Name in the output line.")
    String label;

    private Api api;
    private final Recorder latency = new Recorder(3);
    private final LongAdder delivered = new LongAdder();
    private final LongAdder acked = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder sent = new LongAdder();
    /** Send time of each update in flight, by trip index and timestamp. */
    private final List<ConcurrentHashMap<Long, Long>> inFlight = new ArrayList<>();

    private record Ride(String driverToken, String tripId, List<String> passengerTokens) {
    }

    private Ride ride() throws Exception {
        String driver = api.register("driver");
        String trip = api.call("POST", "/trips", driver, Map.of("source", Map.of("city", "A", "lat", 12.9, "lng", 77.5),
                "destination", Map.of("city", "B", "lat", 13.0, "lng", 77.6), "departureTime",
                OffsetDateTime.now().plusHours(1).toString(), "seats", Math.min(20, subscribers), "pricePerSeat", 100))
                .path("id").asText();
        List<String> passengers = new ArrayList<>();
        for (int i = 0; i < subscribers; i++) {
            String p = api.register("passenger");
            api.call("POST", "/trips/" + trip + "/bookings", p, Map.of("seats", 1));
            passengers.add(p);
        }
        api.call("POST", "/trips/" + trip + "/start", driver, null);
        return new Ride(driver, trip, passengers);
    }

    @Override
    public Integer call() throws Exception {
        api = new Api(url);
        System.err.printf("location against %s: %d trips x %d subscribers, %d updates/s%n", url, trips, subscribers, rate);
        List<Ride> rides = java.util.Collections.synchronizedList(new ArrayList<>());
        Semaphore slots = new Semaphore(16);
        AtomicInteger setupErrors = new AtomicInteger();
        List<Thread> setup = new ArrayList<>();
        for (int i = 0; i < trips; i++) {
            slots.acquire();
            Thread t = new Thread(() -> {
                try {
                    rides.add(ride());
                } catch (Exception e) {
                    if (setupErrors.incrementAndGet() <= 3) {
                        System.err.println("  setup failed: " + e.getMessage());
                    }
                } finally {
                    slots.release();
                }
            });
            t.start();
            setup.add(t);
        }
        for (Thread t : setup) {
            t.join();
        }
        System.err.printf("  set up %d active trips (%d failed)%n", rides.size(), setupErrors.get());
        if (setupErrors.get() > 0) {
            System.err.println("not every trip could be set up; aborting");
            return 1;
        }
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        LoadClients load = new LoadClients(vertx, url, 1);
        for (int i = 0; i < rides.size(); i++) {
            inFlight.add(new ConcurrentHashMap<>());
            tripIndex.put(rides.get(i).tripId(), i);
        }
        List<SioConnection> drivers = load.open(rides.size(), 128,
                i -> "{\"token\":\"" + rides.get(i).driverToken() + "\"}", (t, n) -> { }, "drivers");
        if (drivers.contains(null)) {
            System.err.println("not every driver connected; aborting");
            vertx.close();
            return 1;
        }
        List<SioConnection> listeners = new ArrayList<>();
        for (int s = 0; s < subscribers; s++) {
            int sub = s;
            List<SioConnection> opened = load.open(rides.size(), 128,
                    i -> "{\"token\":\"" + rides.get(i).passengerTokens().get(sub) + "\"}", this::onEvent, "passengers");
            listeners.addAll(opened);
            for (int i = 0; i < opened.size(); i++) {
                if (opened.get(i) != null) {
                    opened.get(i).emitRaw("[\"track:subscribe\",\"" + rides.get(i).tripId() + "\"]");
                }
            }
        }
        Thread.sleep(1000);
        long[] lastTs = new long[rides.size()];
        int[] next = {0};
        long[] issued = {0};
        long begin = System.nanoTime();
        // every 5 ms, send what the rate owes since the start (by the clock, so timer drift does not change the rate)
        long timer = vertx.setPeriodic(5, id -> {
            long due = (long) ((System.nanoTime() - begin) / 1e9 * rate);
            while (issued[0] < due) {
                issued[0]++;
                int i = next[0]++ % drivers.size();
                long ts = Math.max(System.currentTimeMillis(), lastTs[i] + 1);
                lastTs[i] = ts;
                inFlight.get(i).put(ts, System.nanoTime());
                double lat = 12.9 + ThreadLocalRandom.current().nextDouble() / 100;
                drivers.get(i).emitRawWithAck("[\"location:update\",{\"tripId\":\"" + rides.get(i).tripId()
                        + "\",\"lat\":" + lat + ",\"lng\":77.59,\"speed\":40,\"heading\":90,\"timestamp\":" + ts + "}]",
                        ack -> {
                            if (ack.contains("\"ok\":true")) {
                                acked.increment();
                            } else {
                                failed.increment();
                                if (failed.sum() <= 3) {
                                    System.err.println("  update refused: " + ack);
                                }
                            }
                        });
                sent.increment();
            }
        });
        RedisClient redisClient = redis == null ? null : RedisClient.create(redis);
        StatefulRedisConnection<String, String> stats = redisClient == null ? null : redisClient.connect();
        Thread.sleep(warmup * 1000L);
        ServerProbe probe = new ServerProbe(serverPid);
        // every counter is read back to back at both ends of the window, so that they cover the same time
        long[] c0 = redisCommands(stats);
        long cpu0 = probe.cpuMillis();
        latency.getIntervalHistogram();
        long a0 = acked.sum();
        long d0 = delivered.sum();
        long f0 = failed.sum();
        long t0 = System.nanoTime();
        Thread.sleep(duration * 1000L);
        long wallMs = (System.nanoTime() - t0) / 1_000_000;
        long a1 = acked.sum();
        long d1 = delivered.sum();
        long f1 = failed.sum();
        Histogram h = latency.getIntervalHistogram();
        long cpu1 = probe.cpuMillis();
        long[] c1 = redisCommands(stats);
        vertx.cancelTimer(timer);
        if (redisClient != null) {
            stats.close();
            redisClient.shutdown();
        }
        double updates = (a1 - a0) * 1000.0 / wallMs;
        long n = Math.max(1, a1 - a0);
        String commands = c0 == null || c1 == null ? "n/a" : String.format(Locale.ROOT, "%.2f redis-scripts/update=%.2f",
                (c1[0] - c0[0]) / (double) n, (c1[1] - c0[1]) / (double) n);
        System.out.println(String.format(Locale.ROOT, "%-10s location trips=%d subscribers/trip=%d target=%d/s "
                        + "acked-updates/s=%.0f deliveries/s=%.0f errors=%d p50=%.2fms p99=%.2fms p999=%.2fms "
                        + "redis-commands/update=%s server-cpu=%s server-cpu/acked-update=%s", label, drivers.size(), subscribers, rate, updates,
                (d1 - d0) * 1000.0 / wallMs, f1 - f0, h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0, commands,
                cpu0 < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f%%", (cpu1 - cpu0) * 100.0 / wallMs),
                cpu0 < 0 || a1 == a0 ? "n/a" : String.format(Locale.ROOT, "%.1fus", (cpu1 - cpu0) * 1000.0 / (a1 - a0))));
        drivers.forEach(SioConnection::close);
        listeners.stream().filter(java.util.Objects::nonNull).forEach(SioConnection::close);
        vertx.close();
        return 0;
    }

    /**
     * Commands Redis executed (those inside scripts included) and EVALSHA calls, so far. Counted for the whole server:
     * give the node a Redis of its own for a clean count.
     */
    private static long[] redisCommands(StatefulRedisConnection<String, String> conn) {
        if (conn == null) {
            return null;
        }
        long total = -1;
        long scripts = 0;
        for (String line : conn.sync().info("all").split("\r?\n")) {
            if (line.startsWith("total_commands_processed:")) {
                total = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            } else if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                String calls = line.substring(line.indexOf("calls=") + 6);
                scripts += Long.parseLong(calls.substring(0, calls.indexOf(',')));
            }
        }
        return total < 0 ? null : new long[] {total, scripts};
    }

    /** A passenger received an event: if a location update, find when it was sent. */
    private void onEvent(String text, long now) {
        if (!text.startsWith("42[\"location:update\"")) {
            return;
        }
        int tsAt = text.indexOf("\"timestamp\":\"");
        int tripAt = text.indexOf("\"tripId\":\"");
        if (tsAt < 0 || tripAt < 0) {
            return;
        }
        delivered.increment();
        // the server echoes the time as ISO-8601; the sender keyed the send time by epoch milliseconds
        String iso = text.substring(tsAt + 13, text.indexOf('"', tsAt + 13));
        long ts = java.time.Instant.parse(iso).toEpochMilli();
        String trip = text.substring(tripAt + 10, tripAt + 46);
        Integer index = tripIndex.get(trip);
        if (index == null) {
            return;
        }
        Long sentAt = subscribers == 1 ? inFlight.get(index).remove(ts) : inFlight.get(index).get(ts);
        if (sentAt != null) {
            latency.recordValue(Math.max(0, (now - sentAt) / 1000));
        }
    }

    private final ConcurrentHashMap<String, Integer> tripIndex = new ConcurrentHashMap<>();
}
