package com.hushryd.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * P-UPLOAD: N concurrent {@code POST /documents/upload-url} requests (each by another driver), then N concurrent
 * uploads of the same size into the local store through the URLs they returned. All N requests of a phase are sent
 * at once, each on its driver's own keep-alive connection opened beforehand, so a phase measures the server under N
 * requests in flight, not TCP handshakes. Prints latency percentiles, throughput, and the server's heap (sampled from its
 * {@code /metrics}) and resident memory.
 */
@Command(name = "uploads", mixinStandardHelpOptions = true,
        description = "Concurrent upload-URL requests and uploads into the local store (P-UPLOAD).")
final class UploadsCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONNECTING = 500;
    private static List<HttpClientConnection> DEBUG_CONNECTIONS;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "Node (default: ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--concurrency", defaultValue = "7000", description = "Requests in flight at once, one driver each (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--rounds", defaultValue = "3", description = "Measured upload-URL rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--size", defaultValue = "204800", description = "Bytes per upload (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--server-pid", defaultValue = "0", description = "Server process id, to report its CPU and memory.")
    long serverPid;

    @Option(names = "--event-loops", defaultValue = "2", description = "Client event loops (default: ${DEFAULT-VALUE}).")
    int eventLoops;

    /** One finished request. */
    private record Outcome(int status, String body, long nanos) {
    }

    /** What a phase measured. */
    private record Phase(Histogram latency, Map<String, Integer> statuses, long wallNanos, List<Outcome> outcomes) {
        int ok() {
            return statuses.getOrDefault("200", 0);
        }
    }

    /**
     * Registers {@code n} driver accounts (16 at a time) and answers their tokens: a token minted for no account is
     * refused (rights follow the account, decision 0043), so each driver must exist.
     */
    private static List<String> registerDrivers(URI base, int n) throws Exception {
        Api api = new Api(base);
        long t0 = System.nanoTime();
        String run = Long.toString(System.currentTimeMillis() % 100);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            List<java.util.concurrent.Future<String>> tokens = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String phone = String.format("+917%2s%07d", run, i).replace(' ', '0');
                tokens.add(pool.submit(() -> api.call("POST", "/auth/register", null, Map.of("phone", phone,
                        "name", "driver " + phone, "password", "bench-pass-1", "role", "driver"))
                        .path("accessToken").asText()));
            }
            List<String> out = new ArrayList<>(n);
            for (var t : tokens) {
                out.add(t.get());
            }
            System.out.printf("drivers       registered=%,d in %,d ms%n", n, (System.nanoTime() - t0) / 1_000_000);
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (rounds + 1 > 20) {
            throw new IllegalArgumentException("each driver asks once per round: keep rounds under the per-user limit");
        }
        URI base = URI.create(url);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops));
        HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                .setConnectTimeout(60_000).setIdleTimeout(600));
        List<String> drivers = registerDrivers(base, concurrency);
        ServerProbe probe = new ServerProbe(serverPid);
        System.out.printf("# P-UPLOAD against %s: %,d drivers, %,d bytes per upload, %d client event loops, %d cores%n",
                url, concurrency, size, eventLoops, Runtime.getRuntime().availableProcessors());

        long t0 = System.nanoTime();
        List<Context> loops = new ArrayList<>();
        for (int i = 0; i < eventLoops; i++) {
            loops.add(vertx.getOrCreateContext());
        }
        List<HttpClientConnection> connections = connect(client, base, concurrency, loops);
        DEBUG_CONNECTIONS = connections;
        System.out.printf("connections   opened=%,d in %,d ms (at most %d handshakes at once)%n", connections.size(),
                (System.nanoTime() - t0) / 1_000_000, CONNECTING);

        String body = "{\"documentType\":\"licence\",\"contentType\":\"image/png\",\"size\":" + size + "}";
        Phase urls = null;
        for (int round = 0; round <= rounds; round++) {
            urls = phase(concurrency, i -> on(loops, i, sent -> call(connections.get(i), HttpMethod.POST,
                    "/api/v1/documents/upload-url",
                    Map.of("Authorization", "Bearer " + drivers.get(i), "Content-Type", "application/json"),
                    Buffer.buffer(body), sent)));
            print(round == 0 ? "upload-url    warm-up" : "upload-url    round " + round, urls, 0);
        }

        List<String> targets = new ArrayList<>();
        for (Outcome o : urls.outcomes()) {
            if (o != null && o.status() == 200) {
                targets.add(JSON.readTree(o.body()).path("uploadUrl").asText());
            }
        }
        byte[] bytes = new byte[size];
        new Random(7).nextBytes(bytes);
        System.arraycopy(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, 0, bytes, 0, 8);
        Buffer payload = Buffer.buffer(bytes);
        HeapSampler heap = new HeapSampler(base.resolve("/metrics"));
        heap.start();
        long cpu0 = probe.cpuMillis();
        long rssPeak0 = probe.rssBytes();
        HeapSampler.Rss rss = new HeapSampler.Rss(probe);
        rss.start();
        Phase uploads = phase(targets.size(), i -> on(loops, i, sent -> call(connections.get(i), HttpMethod.PUT,
                targets.get(i), Map.of("Content-Type", "image/png"), payload, sent)));
        heap.stop();
        rss.stop();
        long cpu = probe.cpuMillis() - cpu0;
        print("uploads       " + size / 1024 + " KiB", uploads, (long) size * uploads.ok());
        System.out.printf("server        heap used peak=%,d MiB (sampled every 100 ms; before: %,d MiB), live after "
                        + "GC peak=%,d MiB, RSS peak=%,d MiB (before: %,d MiB), CPU %.1f s during the uploads%n",
                heap.peakHeap() >> 20, heap.firstHeap() >> 20, heap.peakLive() >> 20, rss.peak() >> 20,
                rssPeak0 >> 20, cpu / 1000.0);
        client.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        return 0;
    }

    private interface Request {
        Future<Outcome> send(int index);
    }

    /** Sends {@code n} requests at once and waits for all of them. */
    private static Phase phase(int n, Request request) throws Exception {
        Histogram latency = new Histogram(TimeUnit.MINUTES.toNanos(5), 3);
        Map<String, Integer> statuses = new TreeMap<>();
        Outcome[] outcomes = new Outcome[n];
        List<Future<Outcome>> all = new ArrayList<>(n);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            int idx = i;
            all.add(request.send(i).onComplete(ar -> {
                synchronized (statuses) {
                    if (ar.succeeded()) {
                        outcomes[idx] = ar.result();
                        latency.recordValue(ar.result().nanos());
                        statuses.merge(Integer.toString(ar.result().status()), 1, Integer::sum);
                    } else {
                        statuses.merge(ar.cause().getClass().getSimpleName(), 1, Integer::sum);
                    }
                }
            }));
        }
        try {
            Future.join(all).toCompletionStage().toCompletableFuture().exceptionally(e -> null).get(40,
                    TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            synchronized (statuses) {
                statuses.merge("unfinished", (int) all.stream().filter(f -> !f.isComplete()).count(), Integer::sum);
            }
            for (int i = 0; i < n && DEBUG_CONNECTIONS != null; i++) {
                if (!all.get(i).isComplete()) {
                    int port = DEBUG_CONNECTIONS.get(i).localAddress().port();
                    System.out.println("# unfinished request " + i + " on local port " + port + "; sockets:");
                    try {
                        Process ss = new ProcessBuilder("ss", "-tn", "( sport = :" + port + " or dport = :" + port
                                + " )").redirectErrorStream(true).start();
                        System.out.print(new String(ss.getInputStream().readAllBytes()));
                    } catch (java.io.IOException x) {
                        System.out.println("#   (ss not available: " + x.getMessage() + ")");
                    }
                }
            }
        }
        long wall = System.nanoTime() - start;
        synchronized (statuses) {
            return new Phase(latency, statuses, wall, Arrays.asList(outcomes));
        }
    }

    /** Opens {@code n} connections, {@value #CONNECTING} handshakes at a time (the accept backlog is bounded). */
    /**
     * Runs {@code work} on the event loop that owns connection {@code i}: a connection is only ever used from its own
     * event loop (writes from the main thread left a request unflushed now and then, see docs/performance.md).
     */
    private static <T> Future<T> on(List<Context> loops, int i, java.util.function.LongFunction<Future<T>> work) {
        long sent = System.nanoTime();
        Promise<T> p = Promise.promise();
        loops.get(i % loops.size()).runOnContext(v -> work.apply(sent).onComplete(p));
        return p.future();
    }

    private static List<HttpClientConnection> connect(HttpClientAgent client, URI base, int n, List<Context> loops)
            throws Exception {
        List<HttpClientConnection> out = new ArrayList<>(n);
        for (int from = 0; from < n; from += CONNECTING) {
            List<Future<HttpClientConnection>> batch = new ArrayList<>();
            for (int i = from; i < Math.min(n, from + CONNECTING); i++) {
                batch.add(on(loops, i, t0 -> client.connect(new HttpConnectOptions().setHost(base.getHost())
                        .setPort(base.getPort()))));
            }
            Future.all(batch).toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
            batch.forEach(f -> out.add(f.result()));
        }
        return out;
    }

    /** One request on one of the driver's own connection; latency counts from {@code t0}, when it was scheduled. */
    private static Future<Outcome> call(HttpClientConnection connection, HttpMethod method, String uri,
            Map<String, String> headers, Buffer body, long t0) {
        URI u = URI.create(uri);
        String target = u.getRawQuery() == null ? u.getRawPath() : u.getRawPath() + "?" + u.getRawQuery();
        RequestOptions o = new RequestOptions().setMethod(method).setURI(target);
        return connection.request(o).compose(req -> {
            if (headers != null) {
                headers.forEach(req::putHeader);
            }
            return body == null ? req.send() : req.send(body);
        }).compose(resp -> resp.body().map(b -> new Outcome(resp.statusCode(), b.toString(),
                System.nanoTime() - t0)));
    }

    private static void print(String what, Phase p, long bytes) {
        Histogram h = p.latency();
        double seconds = p.wallNanos() / 1e9;
        String rate = bytes > 0 ? String.format(" throughput=%.1f MiB/s (%,.0f uploads/s)", bytes / seconds / 1048576.0,
                p.ok() / seconds) : String.format(" rate=%,.0f req/s", p.ok() / seconds);
        System.out.printf("%s  ok=%,d statuses=%s wall=%,d ms%s p50=%.1f ms p99=%.1f ms max=%.1f ms%n", what, p.ok(),
                p.statuses(), p.wallNanos() / 1_000_000, rate, h.getValueAtPercentile(50) / 1e6,
                h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6);
    }

    /** Samples the server's heap from its Prometheus {@code /metrics} on a thread of its own. */
    static final class HeapSampler {
        private final URI metrics;
        private final HttpClient http = HttpClient.newHttpClient();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong peakHeap = new AtomicLong();
        private final AtomicLong firstHeap = new AtomicLong(-1);
        private final AtomicLong peakLive = new AtomicLong();
        private Thread thread;

        HeapSampler(URI metrics) {
            this.metrics = metrics;
        }

        void start() {
            sample();
            thread = new Thread(() -> {
                while (running.get()) {
                    sample();
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "heap-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(5_000);
            sample();
        }

        private void sample() {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10))
                        .build(), HttpResponse.BodyHandlers.ofString());
                long heap = 0;
                long live = 0;
                for (String line : r.body().split("\n")) {
                    if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                        heap += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    } else if (line.startsWith("jvm_gc_live_data_size_bytes")) {
                        live = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    }
                }
                firstHeap.compareAndSet(-1, heap);
                peakHeap.accumulateAndGet(heap, Math::max);
                peakLive.accumulateAndGet(live, Math::max);
            } catch (Exception e) {
                // a missed sample under load; the next one counts
            }
        }

        long peakHeap() {
            return peakHeap.get();
        }

        long firstHeap() {
            return firstHeap.get();
        }

        long peakLive() {
            return peakLive.get();
        }

        /** Samples the server's resident set size from /proc. */
        static final class Rss {
            private final ServerProbe probe;
            private final AtomicBoolean running = new AtomicBoolean(true);
            private final AtomicLong peak = new AtomicLong();
            private Thread thread;

            Rss(ServerProbe probe) {
                this.probe = probe;
            }

            void start() {
                thread = new Thread(() -> {
                    while (running.get()) {
                        peak.accumulateAndGet(probe.rssBytes(), Math::max);
                        try {
                            Thread.sleep(100);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "rss-sampler");
                thread.setDaemon(true);
                thread.start();
            }

            void stop() throws InterruptedException {
                running.set(false);
                thread.join(5_000);
            }

            long peak() {
                return peak.get();
            }
        }
    }
}
