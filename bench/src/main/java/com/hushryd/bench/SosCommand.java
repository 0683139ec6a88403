package com.hushryd.bench;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * P-SOS client: users raise SOS alerts at a fixed rate ({@code POST /sos}, each with an Idempotency-Key) and resolve
 * each one right after, so every trigger creates and commits a new alert with its notification and escalation jobs.
 * Reports the trigger's latency percentiles (from the request leaving to the 201) and every non-201 answer. Run it
 * alone and while other traffic saturates the node (bench/sos.sh).
 */
@Command(name = "sos", mixinStandardHelpOptions = true, description = "SOS trigger latency (P-SOS).")
final class SosCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "Node (default: ${DEFAULT-VALUE}).")
    URI url;

    @Option(names = "--rate", defaultValue = "20", description = "Triggers per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--users", defaultValue = "100", description = "Users taking turns (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--duration", defaultValue = "20", description = "Seconds measured (default: ${DEFAULT-VALUE}).")
    int duration;

    @Option(names = "--label", defaultValue = "alone", description = "Name in the output line.")
    String label;

    @Override
    public Integer call() throws Exception {
        Api api = new Api(url);
        LinkedBlockingQueue<String> idle = new LinkedBlockingQueue<>();
        ExecutorService setup = Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<String>> tokens = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            tokens.add(setup.submit(() -> {
                String token = api.register("passenger");
                api.call("PUT", "/me/emergency-contacts", token, Map.of("contacts", List.of(Map.of("name", "Kin",
                        "phone", "+9198" + String.format("%08d", (long) (Math.random() * 1e8))))));
                return token;
            }));
        }
        for (java.util.concurrent.Future<String> f : tokens) {
            idle.add(f.get());
        }
        setup.shutdown();
        System.err.printf("sos (%s) against %s: %d users, %d triggers/s for %d s%n", label, url, users, rate, duration);

        Histogram latency = new Histogram(3);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Map<Integer, AtomicLong> byStatus = new java.util.concurrent.ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(4, Math.min(64, rate)));
        long intervalNanos = 1_000_000_000L / rate;
        long start = System.nanoTime();
        long end = start + duration * 1_000_000_000L;
        long next = start;
        int sent = 0;
        while (next < end) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            String token = idle.poll(5, TimeUnit.SECONDS);
            if (token == null) {
                System.err.println("  every user still has an alert open: the node is not keeping up");
                break;
            }
            long scheduled = next;
            pool.execute(() -> {
                try {
                    Api.Result r = api.send("POST", "/sos", token, Map.of("lat", 12.97, "lng", 77.59, "message",
                            "bench"), Map.of("Idempotency-Key", java.util.UUID.randomUUID().toString()));
                    // measured from when the trigger was due, so a client that falls behind shows up as latency
                    long micros = (System.nanoTime() - scheduled) / 1000;
                    byStatus.computeIfAbsent(r.status(), s -> new AtomicLong()).incrementAndGet();
                    if (r.status() == 201) {
                        synchronized (latency) {
                            latency.recordValue(micros);
                        }
                        ok.incrementAndGet();
                        api.call("POST", "/sos/" + r.body().path("alertId").asText() + "/resolve", token,
                                Map.of("resolution", "bench"));
                    } else {
                        failed.incrementAndGet();
                    }
                } catch (Exception e) {
                    failed.incrementAndGet();
                    byStatus.computeIfAbsent(-1, s -> new AtomicLong()).incrementAndGet();
                } finally {
                    idle.add(token);
                }
            });
            sent++;
            next += intervalNanos;
        }
        pool.shutdown();
        pool.awaitTermination(60, TimeUnit.SECONDS);
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.println(String.format(Locale.ROOT, "%-10s sos triggers=%d persisted=%d (%.1f/s) failed=%d "
                        + "statuses=%s p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms", label, sent, ok.get(),
                ok.get() / secs, failed.get(), new java.util.TreeMap<>(byStatus), latency.getValueAtPercentile(50) / 1000.0,
                latency.getValueAtPercentile(90) / 1000.0, latency.getValueAtPercentile(99) / 1000.0,
                latency.getMaxValue() / 1000.0));
        return failed.get() == 0 ? 0 : 2;
    }
}
