package com.hushryd.bench;

import com.hushryd.sim.LoadClients;
import com.hushryd.sim.SioConnection;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * P-FANOUT: N clients spread over M rooms, publishers emitting {@code publish(room, payload)} at a fixed total rate;
 * measures deliveries per second, losses, and publish-to-receive latency (publishers and receivers share this JVM's
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
    private final LongAdder delivered = new LongAdder();
    private final LongAdder published = new LongAdder();

    @Override
    public Integer call() throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops));
        LoadClients load = new LoadClients(vertx, url, localAddresses, deflate);
        String pad = "x".repeat(payload);
        System.err.printf("fanout against %s: %d clients in %d rooms, %d publishes/s%n", url, clients, rooms, rate);
        List<SioConnection> receivers = load.open(clients, 256, i -> "{\"rooms\":[\"room-" + (i % rooms) + "\"]}",
                this::onMessage, "receivers").stream().filter(java.util.Objects::nonNull).toList();
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
        long[] seq = {0};
        double[] owed = {0};
        long timer = vertx.setPeriodic(10, id -> {
            owed[0] += rate / 100.0;
            while (owed[0] >= 1) {
                owed[0] -= 1;
                long n = seq[0]++;
                SioConnection p = pubs.get((int) (n % pubs.size()));
                p.emitRaw("[\"publish\",\"room-" + (n % rooms) + "\",{\"t\":" + System.nanoTime() + ",\"p\":\"" + pad
                        + "\"}]");
                published.increment();
            }
        });
        Thread.sleep(warmup * 1000L);
        latency.getIntervalHistogram();
        long d0 = delivered.sum();
        long p0 = published.sum();
        long cpu0 = probe.cpuMillis();
        long t0 = System.nanoTime();
        Thread.sleep(duration * 1000L);
        long wallMs = (System.nanoTime() - t0) / 1_000_000;
        long d1 = delivered.sum();
        long p1 = published.sum();
        long cpu1 = probe.cpuMillis();
        long rss = probe.rssBytes();
        Histogram h = latency.getIntervalHistogram();
        vertx.cancelTimer(timer);
        Thread.sleep(2000);
        long totalPublished = published.sum();
        long totalDelivered = delivered.sum();
        double perRoom = (double) clients / rooms;
        double lossPercent = 100.0 * (1 - totalDelivered / (totalPublished * perRoom));
        double deliveriesPerSecond = (d1 - d0) * 1000.0 / wallMs;
        double publishesPerSecond = (p1 - p0) * 1000.0 / wallMs;
        double cpuPercent = cpu0 < 0 ? -1 : (cpu1 - cpu0) * 100.0 / wallMs;
        String line = String.format(Locale.ROOT, "%-10s fanout clients=%d rooms=%d publish/s=%.0f deliveries/s=%.0f "
                        + "loss=%.3f%% p50=%.2fms p99=%.2fms p999=%.2fms max=%.2fms server-cpu=%s server-rss=%s",
                label, clients, rooms, publishesPerSecond, deliveriesPerSecond, Math.max(0, lossPercent),
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0,
                cpuPercent < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f%%", cpuPercent),
                rss < 0 ? "n/a" : (rss >> 20) + "MB");
        System.out.println(line);
        if (json != null) {
            String obj = String.format(Locale.ROOT, "{\"label\":\"%s\",\"bench\":\"fanout\",\"clients\":%d,\"rooms\":%d,"
                            + "\"publishesPerSecond\":%.1f,\"deliveriesPerSecond\":%.1f,\"lossPercent\":%.4f,"
                            + "\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"p999Ms\":%.3f,\"maxMs\":%.3f,\"serverCpuPercent\":%.1f,"
                            + "\"serverRssBytes\":%d}%n", label, clients, rooms, publishesPerSecond, deliveriesPerSecond,
                    Math.max(0, lossPercent), h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                    h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, cpuPercent, rss);
            Files.writeString(json, obj, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        receivers.forEach(SioConnection::close);
        pubs.forEach(SioConnection::close);
        vertx.close();
        return 0;
    }

    private void onMessage(String text, long now) {
        int i = text.indexOf("\"t\":");
        if (i < 0) {
            return;
        }
        long t = 0;
        for (int k = i + 4; k < text.length(); k++) {
            char c = text.charAt(k);
            if (c < '0' || c > '9') {
                break;
            }
            t = t * 10 + (c - '0');
        }
        delivered.increment();
        latency.recordValue(Math.max(0, (now - t) / 1000));
    }
}
