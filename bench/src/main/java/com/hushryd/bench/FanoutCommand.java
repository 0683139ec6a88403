package com.hushryd.bench;

import com.hushryd.bench.load.LoadClients;
import com.hushryd.bench.load.SioConnection;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * P-FANOUT: N clients spread over M rooms, publishers emitting {@code publish(room, payload)} at a fixed total rate
 * that follows the wall clock (late ticks are not made up); measures distinct deliveries per second in the window,
 * delivered per offered in the window and after a drain, the drain time, duplicates (a message a receiver already
 * had), and publish-to-receive latency (publishers and receivers share this JVM's
 * clock). Works against any server running the fan-out fixture (HushRyd {@code serve --fixture fanout}, or a peer
 * implementing the same two rules).
 */
@Command(name = "fanout", mixinStandardHelpOptions = true, description = "Room broadcast fan-out benchmark (P-FANOUT).")
final class FanoutCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "Server (default: ${DEFAULT-VALUE}).")
    URI url;

    @Option(names = "--clients", defaultValue = "1000", description = "Receiving clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--rooms", defaultValue = "10", description = "Rooms; each client joins one (default: ${DEFAULT-VALUE}).")
    int rooms;

    @Option(names = "--rate", defaultValue = "200", description = "Publishes per second in total (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--publishers", defaultValue = "4", description = "Publishing connections (default: ${DEFAULT-VALUE}).")
    int publishers;

    @Option(names = "--payload", defaultValue = "100", description = "Padding bytes per message (default: ${DEFAULT-VALUE}).")
    int payload;

    @Option(names = "--warmup", defaultValue = "5", description = "Seconds before measuring (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--duration", defaultValue = "20", description = "Seconds measured (default: ${DEFAULT-VALUE}).")
    int duration;

    @Option(names = "--local-addresses", defaultValue = "1", description = "Loopback source addresses to spread clients over.")
    int localAddresses;

    @Option(names = "--server-pid", defaultValue = "0", description = "Server process id, to report its CPU and memory.")
    long serverPid;

    @Option(names = "--label", defaultValue = "hushryd", description = "Name of the server in the output line.")
    String label;

    @Option(names = "--json", description = "Append the result as one JSON line to this file.")
    Path json;

    @Option(names = "--deflate", description = "Offer permessage-deflate on every connection (the server uses it when "
            + "REALTIME_PER_MESSAGE_DEFLATE=true).")
    boolean deflate;

    @Option(names = "--event-loops", defaultValue = "2", description = "Client event loops (default: ${DEFAULT-VALUE}).")
    int eventLoops;

    private final Recorder latency = new Recorder(3);
    /** Distinct (receiver, message) pairs received: a duplicate is not a delivery. */
    private final LongAdder delivered = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    /** Deliveries the publishes so far ask for: the members of the room of each one. */
    private final LongAdder expected = new LongAdder();
    private final LongAdder published = new LongAdder();
    private final LongAccumulator lastDelivery = new LongAccumulator(Math::max, 0);

    @Override
    public Integer call() throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops));
        LoadClients load = new LoadClients(vertx, url, localAddresses, deflate);
        String pad = "x".repeat(payload);
        System.err.printf("fanout against %s: %d clients in %d rooms, %d publishes/s%n", url, clients, rooms, rate);
        long[] members = new long[rooms];
        for (int i = 0; i < clients; i++) {
            members[i % rooms]++;
        }
        // one handler per receiver, on its connection's event loop: it remembers which messages it has seen, so a
        // message received twice counts as a duplicate, not as a second delivery
        List<SioConnection> receivers = load.openEach(clients, 256, i -> "{\"rooms\":[\"room-" + (i % rooms) + "\"]}",
                i -> receiver(), "receivers").stream().filter(java.util.Objects::nonNull).toList();
        List<SioConnection> pubs = load.open(publishers, publishers, i -> "{}", (t, n) -> { }, "publishers").stream().filter(java.util.Objects::nonNull).toList();
        if (receivers.size() < clients || pubs.isEmpty()) {
            System.err.println("not every client connected; aborting");
            vertx.close();
            return 1;
        }
        if (deflate) {
            System.err.println("websocket extensions negotiated: '" + receivers.get(0).extensions() + "'");
        }
        ServerProbe probe = new ServerProbe(serverPid);
        // publishes follow the wall clock: publish number k is due at k / rate seconds; a late tick sends what is due
        // but never more than two ticks' worth, the rest is skipped (counted, not made up later), so no server's
        // window sees more than the rate asked for
        long scheduleStart = System.nanoTime();
        long[] seq = {0};
        long[] skipped = {0};
        long catchUp = 2 * Math.max(1, (long) Math.ceil(rate / 100.0));
        long timer = vertx.setPeriodic(10, id -> {
            long due = (long) ((System.nanoTime() - scheduleStart) * (rate / 1e9));
            long behind = due - seq[0] - skipped[0];
            if (behind > catchUp) {
                skipped[0] += behind - catchUp;
                behind = catchUp;
            }
            for (; behind > 0; behind--) {
                long n = seq[0]++;
                SioConnection p = pubs.get((int) (n % pubs.size()));
                int room = (int) (n % rooms);
                expected.add(members[room]);
                published.increment();
                p.emitRaw("[\"publish\",\"room-" + room + "\",{\"t\":" + System.nanoTime() + ",\"n\":" + n
                        + ",\"p\":\"" + pad + "\"}]");
            }
        });
        Thread.sleep(warmup * 1000L);
        latency.getIntervalHistogram();
        long d0 = delivered.sum();
        long p0 = published.sum();
        long e0 = expected.sum();
        long cpu0 = probe.cpuMillis();
        long t0 = System.nanoTime();
        Thread.sleep(duration * 1000L);
        long wallMs = (System.nanoTime() - t0) / 1_000_000;
        long d1 = delivered.sum();
        long p1 = published.sum();
        long e1 = expected.sum();
        long cpu1 = probe.cpuMillis();
        long rss = probe.rssBytes();
        Histogram h = latency.getIntervalHistogram();
        vertx.cancelTimer(timer);
        long stoppedAt = System.nanoTime();
        // drain: wait until every delivery asked for has arrived, or none has arrived for 2 s (at most 30 s)
        long lastCount = -1;
        long lastChange = stoppedAt;
        while (true) {
            Thread.sleep(10);
            long now = System.nanoTime();
            long d = delivered.sum();
            if (d >= expected.sum() || now - lastChange > 2_000_000_000L || now - stoppedAt > 30_000_000_000L) {
                break;
            }
            if (d != lastCount) {
                lastCount = d;
                lastChange = now;
            }
        }
        long totalExpected = expected.sum();
        long totalDelivered = delivered.sum();
        long dups = duplicates.sum();
        double drainMs = Math.max(0, lastDelivery.get() - stoppedAt) / 1e6;
        double lossPercent = totalExpected == 0 ? 0 : 100.0 * (totalExpected - totalDelivered) / totalExpected;
        double deliveredPerOffered = totalExpected == 0 ? 0 : (double) totalDelivered / totalExpected;
        double windowDeliveredPerOffered = e1 == e0 ? 0 : (double) (d1 - d0) / (e1 - e0);
        double deliveriesPerSecond = (d1 - d0) * 1000.0 / wallMs;
        double publishesPerSecond = (p1 - p0) * 1000.0 / wallMs;
        double cpuPercent = cpu0 < 0 ? -1 : (cpu1 - cpu0) * 100.0 / wallMs;
        double cpuMicrosPerDelivery = cpu0 < 0 || d1 == d0 ? -1 : (cpu1 - cpu0) * 1000.0 / (d1 - d0);
        String line = String.format(Locale.ROOT, "%-10s fanout clients=%d rooms=%d offered publish/s=%.0f "
                        + "deliveries/s=%.0f window delivered/offered=%.4f after drain delivered/offered=%.5f "
                        + "loss=%.3f%% duplicates=%d drain=%.0fms skipped-publishes=%d p50=%.2fms p99=%.2fms "
                        + "p999=%.2fms max=%.2fms server-cpu=%s server-rss=%s cpu/delivery=%.2fus",
                label, clients, rooms, publishesPerSecond, deliveriesPerSecond, windowDeliveredPerOffered,
                deliveredPerOffered, lossPercent, dups, drainMs, skipped[0],
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0,
                cpuPercent < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f%%", cpuPercent),
                rss < 0 ? "n/a" : (rss >> 20) + "MB", cpuMicrosPerDelivery);
        System.out.println(line);
        if (json != null) {
            String obj = String.format(Locale.ROOT, "{\"label\":\"%s\",\"bench\":\"fanout\",\"clients\":%d,\"rooms\":%d,"
                            + "\"rate\":%d,\"publishesPerSecond\":%.1f,\"deliveriesPerSecond\":%.1f,"
                            + "\"windowDeliveredPerOffered\":%.5f,\"deliveredPerOffered\":%.6f,\"lossPercent\":%.4f,"
                            + "\"duplicates\":%d,\"drainMs\":%.1f,\"skippedPublishes\":%d,"
                            + "\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"p999Ms\":%.3f,\"maxMs\":%.3f,\"serverCpuPercent\":%.1f,"
                            + "\"serverRssBytes\":%d}%n", label, clients, rooms, rate, publishesPerSecond,
                    deliveriesPerSecond, windowDeliveredPerOffered, deliveredPerOffered, lossPercent, dups, drainMs,
                    skipped[0], h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                    h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, cpuPercent, rss);
            Files.writeString(json, obj, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        receivers.forEach(SioConnection::close);
        pubs.forEach(SioConnection::close);
        vertx.close();
        return 0;
    }

    /** The handler of one receiving connection (called on its event loop only). */
    private BiConsumer<String, Long> receiver() {
        BitSet seen = new BitSet();
        return (text, now) -> {
            long t = number(text, "\"t\":");
            long n = number(text, "\"n\":");
            if (t < 0 || n < 0) {
                return;
            }
            if (seen.get((int) n)) {
                duplicates.increment();
                return;
            }
            seen.set((int) n);
            delivered.increment();
            lastDelivery.accumulate(now);
            latency.recordValue(Math.max(0, (now - t) / 1000));
        };
    }

    /** The non-negative integer after {@code key} in the packet text, or -1. */
    private static long number(String text, String key) {
        int i = text.indexOf(key);
        if (i < 0) {
            return -1;
        }
        long v = 0;
        for (int k = i + key.length(); k < text.length(); k++) {
            char c = text.charAt(k);
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
