package com.hushryd.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sends one uncached trip search (a PostgreSQL read) through the load balancer every {@code interval}, alongside
 * the simulator, and keeps every outcome: when service failed, how (status and error code, whether a 503 said
 * {@code Retry-After}), and when it came back.
 */
final class Prober implements AutoCloseable {
    /** One probe: sent at {@code nanos}; status -1 for an I/O failure. */
    record Probe(long nanos, int status, String kind, boolean retryAfter) {
        boolean ok() {
            return status == 200;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private final String token;
    private final long intervalMillis;
    private final List<Probe> probes = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stopped;

    Prober(URI base, String token, long intervalMillis) {
        this.base = base;
        this.token = token;
        this.intervalMillis = intervalMillis;
        this.thread = new Thread(this::loop, "chaos-prober");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void loop() {
        String date = LocalDate.now().plusDays(1).toString();
        long n = 0;
        while (!stopped) {
            long sent = System.nanoTime();
            // a new origin each time: the search cache cannot answer it, PostgreSQL must
            HttpRequest request = HttpRequest.newBuilder(base.resolve("/api/v1/trips/search?from=Probe" + n++
                    + "&to=Chaos&date=" + date)).header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(10)).GET().build();
            Probe probe;
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                String code = r.statusCode() == 200 ? "" : errorCode(r.body());
                probe = new Probe(sent, r.statusCode(), ("http " + r.statusCode() + " " + code).trim(),
                        r.headers().firstValue("Retry-After").isPresent());
            } catch (IOException e) {
                probe = new Probe(sent, -1, e.getClass().getSimpleName(), false);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (probes) {
                probes.add(probe);
            }
            try {
                Thread.sleep(Math.max(0, intervalMillis - (System.nanoTime() - sent) / 1_000_000));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static String errorCode(String body) {
        try {
            return Api.MAPPER.readTree(body).path("error").path("code").asText("");
        } catch (IOException e) {
            return "(not JSON)";
        }
    }

    List<Probe> probes() {
        synchronized (probes) {
            return List.copyOf(probes);
        }
    }

    Map<String, Long> failuresByKind() {
        Map<String, Long> kinds = new TreeMap<>();
        probes().stream().filter(p -> !p.ok()).forEach(p -> kinds.merge(p.kind(), 1L, Long::sum));
        return kinds;
    }

    /**
     * Seconds from {@code from} (nanos) to the first success after the last failure; 0 when nothing failed after
     * {@code from}; -1 when the last probe still failed.
     */
    double recoverySeconds(long from) {
        List<Probe> all = probes();
        int lastFailure = -1;
        for (int i = 0; i < all.size(); i++) {
            if (!all.get(i).ok()) {
                lastFailure = i;
            }
        }
        if (lastFailure < 0 || all.get(lastFailure).nanos() < from) {
            return 0;
        }
        if (lastFailure == all.size() - 1) {
            return -1;
        }
        return (all.get(lastFailure + 1).nanos() - from) / 1e9;
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.join(15_000);
    }
}
