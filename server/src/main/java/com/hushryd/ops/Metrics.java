package com.hushryd.ops;

import com.hushryd.http.HttpMetrics;
import com.hushryd.jobs.JobMetrics;
import com.hushryd.jobs.QueueStats;
import com.hushryd.uploads.UploadMetrics;
import com.hushryd.cache.CacheMetrics;
import com.hushryd.protect.ProtectMetrics;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** The Micrometer binding of the node's metric hooks, exposed in Prometheus format at {@code /metrics}. */
public final class Metrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc;
    private final ConcurrentHashMap<String, Timer> httpTimers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Timer> jobTimers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Timer> uploadTimers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicLong> queueGauges = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicReference<Double>> rates = new ConcurrentHashMap<>();

    /**
     * Latency histogram boundaries of the API and SOS: the SLOs (API p95 < 200 ms, SOS p99 < 50 ms) and a few steps
     * around them, 12 buckets with +Inf instead of Micrometer's 70-odd percentile buckets per series (decision 0067).
     */
    static final Duration[] REQUEST_SLOS = millis(5, 10, 25, 50, 100, 200, 500, 1000, 2500, 5000, 10000);
    /** Fan-out latency boundaries: the city SLO is p99 < 500 ms; most deliveries take well under 10 ms. */
    static final Duration[] FANOUT_SLOS = millis(1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000);

    private static Duration[] millis(long... ms) {
        Duration[] d = new Duration[ms.length];
        for (int i = 0; i < ms.length; i++) {
            d[i] = Duration.ofMillis(ms[i]);
        }
        return d;
    }

    public Metrics(String nodeId) {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("node", nodeId);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public String scrape() {
        return registry.scrape();
    }

    /** Request count and latency histogram per method, route template and status. */
    public HttpMetrics http() {
        return (method, route, status, nanos) -> httpTimers.computeIfAbsent(method + ' ' + route + ' ' + status,
                k -> Timer.builder("http.server.requests")
                        .description("HTTP requests by route template and status")
                        .tags("method", method, "route", route, "status", Integer.toString(status))
                        .serviceLevelObjectives(REQUEST_SLOS)
                        .register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Job counters per queue (enqueued, attempts by outcome and duration) and gauges of each queue's counts. */
    public JobMetrics jobs() {
        return new JobMetrics() {
            @Override
            public void enqueued(String queue) {
                registry.counter("hushryd.jobs.enqueued", "queue", queue).increment();
            }

            @Override
            public void attempt(String queue, String outcome, long durationNanos) {
                jobTimers.computeIfAbsent(queue + ' ' + outcome, k -> Timer.builder("hushryd.jobs.attempts")
                        .description("Job attempts by queue and outcome (completed, retried, failed)")
                        .tags("queue", queue, "outcome", outcome)
                        .register(registry)).record(durationNanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void observe(QueueStats s) {
                gauge(s.queue(), "waiting").set(s.waiting());
                gauge(s.queue(), "active").set(s.active());
                gauge(s.queue(), "delayed").set(s.delayed());
                gauge(s.queue(), "failed").set(s.failed());
                gauge(s.queue(), "completed_24h").set(s.completed());
                rates.computeIfAbsent(s.queue(), q -> {
                    java.util.concurrent.atomic.AtomicReference<Double> ref =
                            new java.util.concurrent.atomic.AtomicReference<>(0.0);
                    Gauge.builder("hushryd.queue.rate", ref, AtomicReference::get)
                            .description("Jobs completed per second, measured over the last two minutes")
                            .tag("queue", q).register(registry);
                    return ref;
                }).set(s.ratePerSecond());
            }
        };
    }

    private AtomicLong gauge(String queue, String state) {
        return queueGauges.computeIfAbsent(queue + ' ' + state, k -> {
            AtomicLong v = new AtomicLong();
            Gauge.builder("hushryd.queue.jobs", v, AtomicLong::get)
                    .description("Jobs of a queue by state, cluster-wide (refreshed every 5 s)")
                    .tags("queue", queue, "state", state).register(registry);
            return v;
        });
    }

    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

    private Counter counter(String name, String description, String... tags) {
        return counters.computeIfAbsent(name + ' ' + String.join(" ", tags), k -> Counter.builder(name)
                .description(description).tags(tags).register(registry));
    }

    /** Rate-limit decisions per policy and outcome, and requests refused by the load shedder per route class. */
    public ProtectMetrics protect() {
        return new ProtectMetrics() {
            @Override
            public void rateLimit(String policy, boolean allowed) {
                counter("hushryd.ratelimit.decisions", "Rate-limit decisions by policy and outcome",
                        "policy", policy, "outcome", allowed ? "allowed" : "limited").increment();
            }

            @Override
            public void shed(String routeClass) {
                counter("hushryd.shed.requests", "Requests refused by the load shedder, by route class",
                        "class", routeClass).increment();
            }
        };
    }

    /** Location updates by outcome and the fan-out latency histogram. */
    public com.hushryd.location.LocationMetrics location(java.util.function.IntSupplier historyDepth) {
        io.micrometer.core.instrument.Gauge.builder("hushryd.location.history.buffer", historyDepth::getAsInt)
                .description("location points buffered for the route history").register(registry);
        Timer fanout = Timer.builder("hushryd.location.fanout")
                .description("from a location update's arrival to its broadcast leaving this node")
                .serviceLevelObjectives(FANOUT_SLOS).register(registry);
        java.util.Map<String, io.micrometer.core.instrument.Counter> outcomes = new ConcurrentHashMap<>();
        return new com.hushryd.location.LocationMetrics() {
            @Override
            public void update(String outcome) {
                outcomes.computeIfAbsent(outcome, o -> io.micrometer.core.instrument.Counter
                        .builder("hushryd.location.updates").tag("outcome", o)
                        .description("location updates by outcome (rate = updates/s)").register(registry)).increment();
            }

            @Override
            public void fanout(long nanos) {
                fanout.record(nanos, TimeUnit.NANOSECONDS);
            }
        };
    }

    /** Upload URLs issued and refused, uploads received by the local store, documents processed. */
    public UploadMetrics uploads() {
        return new UploadMetrics() {
            @Override
            public void uploadUrl() {
                registry.counter("hushryd.uploads.urls", "outcome", "issued").increment();
            }

            @Override
            public void received(String outcome, long bytes, long nanos) {
                uploadTimers.computeIfAbsent("received " + outcome, k -> Timer.builder("hushryd.uploads.received")
                        .description("Uploads into the local object store by outcome (stored or the refusal's code)")
                        .tag("outcome", outcome).register(registry)).record(nanos, TimeUnit.NANOSECONDS);
                registry.counter("hushryd.uploads.received.bytes", "outcome", outcome).increment(bytes);
            }

            @Override
            public void processed(String outcome, long nanos) {
                uploadTimers.computeIfAbsent("processed " + outcome, k -> Timer.builder("hushryd.documents.processed")
                        .description("Document processing attempts by outcome (verified, rejected, error)")
                        .tag("outcome", outcome).register(registry)).record(nanos, TimeUnit.NANOSECONDS);
            }
        };
    }

    /** Cache lookups per namespace and outcome (l1_hit, l2_hit, miss, l2_error); hit ratio = hits / all. */
    public CacheMetrics cache() {
        return new CacheMetrics() {
            @Override
            public void record(String namespace, String outcome) {
                record(namespace, outcome, 1);
            }

            @Override
            public void record(String namespace, String outcome, long count) {
                counter("hushryd.cache.requests", "Cache lookups by namespace and outcome", "namespace", namespace,
                        "outcome", outcome).increment(count);
            }
        };
    }

    /** One gauge per state of each breaker, by the name given: 1 for its current state, 0 for the others. */
    public void breakers(Map<String, CircuitBreaker> breakers) {
        for (Map.Entry<String, CircuitBreaker> e : breakers.entrySet()) {
            CircuitBreaker b = e.getValue();
            for (CircuitBreaker.State state : List.of(CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN,
                    CircuitBreaker.State.HALF_OPEN)) {
                Gauge.builder("hushryd.breaker.state", b, x -> x.getState() == state ? 1 : 0)
                        .description("Circuit breaker state per dependency (1 = current)")
                        .tags("name", e.getKey(), "state", state.name().toLowerCase(java.util.Locale.ROOT))
                        .register(registry);
            }
        }
    }

    /** A gauge read from {@code value} at each scrape. */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value, v -> v.get().doubleValue()).description(description)
                .strongReference(true).register(registry);
    }

    /**
     * A gauge computed by {@code value} (which may block, e.g. a query) at most once per {@code maxAge}, at a scrape;
     * while it fails the gauge reads NaN, so an alert on it does not fire on stale numbers.
     */
    public void cachedGauge(String name, String description, Duration maxAge, Callable<Number> value) {
        record Reading(double value, long atNanos) {
        }
        AtomicReference<Reading> last = new AtomicReference<>();
        Gauge.builder(name, () -> {
            Reading l = last.get();
            long now = System.nanoTime();
            if (l == null || now - l.atNanos() >= maxAge.toNanos()) {
                double v;
                try {
                    v = value.call().doubleValue();
                } catch (Exception e) {
                    v = Double.NaN;
                }
                l = new Reading(v, now);
                last.set(l);
            }
            return l.value();
        }).description(description).strongReference(true).register(registry);
    }

    /** SOS triggers: how many, new or repeated, and how long until the alert was committed. */
    public com.hushryd.sos.SosMetrics sos() {
        Timer persisted = Timer.builder("hushryd.sos.trigger")
                .description("from an SOS trigger's arrival to its alert and notification jobs being committed")
                .serviceLevelObjectives(REQUEST_SLOS).register(registry);
        io.micrometer.core.instrument.Counter created = io.micrometer.core.instrument.Counter
                .builder("hushryd.sos.alerts").tag("outcome", "created").register(registry);
        io.micrometer.core.instrument.Counter existing = io.micrometer.core.instrument.Counter
                .builder("hushryd.sos.alerts").tag("outcome", "existing").register(registry);
        return (isNew, nanos) -> {
            persisted.record(nanos, TimeUnit.NANOSECONDS);
            (isNew ? created : existing).increment();
        };
    }

    /**
     * Each read replica's place in rotation (1 in, 0 out) and lag in seconds, and replica-eligible reads by the server
     * that served them and why (outcome {@code ok} on a replica; on the primary the reason a replica did not serve).
     */
    public com.hushryd.store.replica.ReplicaMetrics replicas(List<com.hushryd.store.replica.Replica> replicas) {
        for (com.hushryd.store.replica.Replica r : replicas) {
            Gauge.builder("hushryd.db.replica.in_rotation", r, x -> x.inRotation() ? 1 : 0)
                    .description("Whether a read replica serves reads (1) or is out of rotation (0)")
                    .tags("replica", r.name()).register(registry);
            Gauge.builder("hushryd.db.replica.lag_seconds", r, com.hushryd.store.replica.Replica::lagSeconds)
                    .description("How far a read replica's replay was behind the primary at its last check")
                    .tags("replica", r.name()).register(registry);
        }
        return (target, outcome) -> counter("hushryd.db.reads", "Replica-eligible reads by server and outcome",
                "target", target, "outcome", outcome).increment();
    }

    /** Connection pool gauges and timers, reported by HikariCP itself. */
    public MetricsTrackerFactory pool() {
        return new MicrometerMetricsTrackerFactory(registry);
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
