package com.hushryd.cache;

import com.fasterxml.jackson.databind.JavaType;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.hushryd.common.Json;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cache-aside in two levels: L1 in this process (Caffeine), L2 shared by every node ({@link RemoteCache}, Redis), the
 * database behind both. A read tries L1, then L2, then runs the loader once per key on this node (concurrent readers
 * of a missing key wait for that one load: no stampede) and fills both levels. A write invalidates: at once in this
 * node's L1, in L2, and in every other node's L1 through the remote cache's channel.
 *
 * <p>Consistency: after {@code invalidate} returns, this node never serves the old value, and other nodes stop within
 * the invalidation message's delivery time. A load racing with an invalidation never stores its possibly old value
 * (L1: an epoch check; L2: tombstones and never-overwriting puts). When the remote cache is unreachable, reads go to
 * the database, failed invalidations are replayed as whole-namespace flushes when it returns, every node clears its
 * L1 on reconnect, and meanwhile L1 entries older than {@code degradedL1Age} count as misses (other nodes' writes
 * cannot reach this node then). Without a remote cache (single node) only L1 is used. Thread-safe; blocking (call
 * from worker threads).
 */
public final class TwoLevelCache implements RemoteCache.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TwoLevelCache.class);
    private static final Duration WAIT_FOR_LOADER = Duration.ofSeconds(15);

    private final RemoteCache remote;
    private final CircuitBreaker breaker;
    private final CacheMetrics metrics;
    private final Duration tombstone;
    private final Duration degradedL1Age;
    private final Map<String, Namespace<?>> namespaces = new ConcurrentHashMap<>();
    private final Set<String> pendingFlush = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService resyncer;
    private final AtomicBoolean resyncScheduled = new AtomicBoolean();

    /**
     * @param remote    the shared level, or null for L1 only
     * @param breaker   the remote engine's circuit breaker (null: none)
     * @param tombstone how long an invalidated key stays unfillable in L2; longer than any load may take
     */
    public TwoLevelCache(RemoteCache remote, CircuitBreaker breaker, CacheMetrics metrics, Duration tombstone,
            Duration degradedL1Age) {
        this.remote = remote;
        this.breaker = breaker;
        this.metrics = metrics;
        this.tombstone = tombstone;
        this.degradedL1Age = degradedL1Age;
        this.resyncer = remote == null ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hushryd-cache-resync");
            t.setDaemon(true);
            return t;
        });
        if (remote != null) {
            remote.start(this);
        }
    }

    /** Replays missed invalidations soon, and every second until the remote cache takes them. */
    private void scheduleResync(long delayMillis) {
        if (resyncScheduled.compareAndSet(false, true)) {
            try {
                resyncer.schedule(() -> {
                    resyncScheduled.set(false);
                    resync();
                }, delayMillis, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                resyncScheduled.set(false); // closing
            }
        }
    }

    @Override
    public void close() {
        if (resyncer != null) {
            resyncer.shutdownNow();
        }
    }

    /** Loads a value from the database. */
    @FunctionalInterface
    public interface SqlLoader<V> {
        V load() throws java.sql.SQLException;
    }

    /** {@code ns.get(key, loader)}, or the loader alone when {@code ns} is null (caching off). */
    public static <V> V read(Namespace<V> ns, String key, SqlLoader<V> loader) throws java.sql.SQLException {
        try {
            return ns == null ? loader.load() : ns.get(key, loader::load);
        } catch (java.sql.SQLException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A namespace of values of one type, with its TTL (both levels) and L1 size bound. */
    public <V> Namespace<V> namespace(String name, JavaType type, Duration ttl, long maxL1Entries) {
        Namespace<V> ns = new Namespace<>(name, type, ttl, maxL1Entries);
        if (namespaces.putIfAbsent(name, ns) != null) {
            throw new IllegalArgumentException("cache namespace " + name + " exists");
        }
        if (remote != null) {
            remoteCall(() -> {
                ns.generation.set(remote.generations(Set.of(name)).getOrDefault(name, 0L));
                return null;
            });
        }
        return ns;
    }

    public <V> Namespace<V> namespace(String name, Class<V> type, Duration ttl, long maxL1Entries) {
        return namespace(name, Json.MAPPER.constructType(type), ttl, maxL1Entries);
    }

    private interface RemoteWork<T> {
        T run();
    }

    /** A call to the remote level through its breaker; null (and an error count) when it cannot answer. */
    private <T> T remoteCall(RemoteWork<T> work) {
        if (breaker != null && !breaker.tryAcquirePermission()) {
            return null;
        }
        long start = System.nanoTime();
        try {
            T r = work.run();
            if (breaker != null) {
                breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
            return r;
        } catch (RuntimeException e) {
            if (breaker != null) {
                breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
            }
            log.debug("cache: remote call failed: {}", e.toString());
            return null;
        }
    }

    private boolean remoteDone(RemoteWork<?> work) {
        return remoteCall(() -> {
            work.run();
            return Boolean.TRUE;
        }) != null;
    }

    @Override
    public void onInvalidate(String namespace, String key) {
        Namespace<?> ns = namespaces.get(namespace);
        if (ns != null) {
            ns.dropLocal(key);
        }
    }

    @Override
    public void onFlush(String namespace, long generation) {
        Namespace<?> ns = namespaces.get(namespace);
        if (ns != null) {
            ns.generation.accumulateAndGet(generation, Math::max);
            ns.dropAllLocal();
        }
    }

    @Override
    public void onReconnect() {
        namespaces.values().forEach(Namespace::dropAllLocal);
        // off the engine's thread: these are blocking calls
        scheduleResync(0);
    }

    private void resync() {
        for (String name : Set.copyOf(pendingFlush)) {
            Namespace<?> ns = namespaces.get(name);
            Long g = remoteCall(() -> remote.flush(name));
            if (g != null) {
                pendingFlush.remove(name);
                ns.generation.accumulateAndGet(g, Math::max);
                log.info("cache: replayed invalidations of {} missed while Redis was away (generation {})", name, g);
            }
        }
        Map<String, Long> gens = remoteCall(() -> remote.generations(namespaces.keySet()));
        if (gens != null) {
            gens.forEach((name, g) -> namespaces.get(name).generation.accumulateAndGet(g, Math::max));
        }
        if (gens == null || !pendingFlush.isEmpty()) {
            scheduleResync(1_000);
        }
    }

    /** Loads the values of many keys at once (e.g. one SQL query with {@code = ANY(?)}). */
    @FunctionalInterface
    public interface BulkLoader<V> {
        Map<String, V> load(java.util.Set<String> keys) throws Exception;
    }

    /** One namespace: its own L1, generation and in-flight loads. */
    public final class Namespace<V> {
        private record Entry(Object value, long loadedAt) {
        }

        private final String name;
        private final JavaType type;
        private final Duration ttl;
        private final Cache<String, Entry> l1;
        private final Map<String, CompletableFuture<V>> loading = new ConcurrentHashMap<>();
        private final AtomicLong epoch = new AtomicLong();
        private final AtomicLong generation = new AtomicLong();
        private final java.util.List<java.util.function.Consumer<String>> dropListeners =
                new java.util.concurrent.CopyOnWriteArrayList<>();

        private Namespace(String name, JavaType type, Duration ttl, long maxL1Entries) {
            this.name = name;
            this.type = type;
            this.ttl = ttl;
            this.l1 = Caffeine.newBuilder().maximumSize(maxL1Entries).expireAfterWrite(ttl).executor(Runnable::run)
                    .build();
        }

        public String name() {
            return name;
        }

        /** The cached value of {@code key}, or what {@code loader} returns (cached unless null). */
        @SuppressWarnings("unchecked")
        public V get(String key, Callable<V> loader) throws Exception {
            Entry e = l1.getIfPresent(key);
            if (e != null && fresh(e)) {
                metrics.record(name, "l1_hit");
                return (V) e.value();
            }
            CompletableFuture<V> mine = new CompletableFuture<>();
            CompletableFuture<V> running = loading.putIfAbsent(key, mine);
            if (running != null) {
                return await(running);
            }
            try {
                V v = load(key, loader);
                mine.complete(v);
                return v;
            } catch (Exception | Error t) {
                mine.completeExceptionally(t);
                throw t;
            } finally {
                loading.remove(key, mine);
            }
        }

        /**
         * The cached values of {@code keys}; those not cached in this node come from one call of {@code loader} (a
         * key it leaves out is not cached and not returned). Redis is not asked: a bulk loader reads the source of
         * truth in one query, cheaper than a round trip per key, and its values are not written back to Redis.
         */
        @SuppressWarnings("unchecked")
        public Map<String, V> getAll(java.util.Collection<String> keys, BulkLoader<V> loader) throws Exception {
            Map<String, V> found = new java.util.HashMap<>();
            java.util.Set<String> missing = new java.util.HashSet<>();
            for (String key : keys) {
                Entry e = l1.getIfPresent(key);
                if (e != null && fresh(e)) {
                    found.put(key, (V) e.value());
                } else {
                    missing.add(key);
                }
            }
            metrics.record(name, "l1_hit", found.size());
            if (missing.isEmpty()) {
                return found;
            }
            metrics.record(name, "miss", missing.size());
            long startEpoch = epoch.get();
            Map<String, V> loaded = loader.load(missing);
            loaded.forEach((key, v) -> {
                if (missing.contains(key) && v != null) {
                    putLocal(key, v, startEpoch);
                    found.put(key, v);
                }
            });
            return found;
        }

        private boolean fresh(Entry e) {
            return remote == null || remote.connected()
                    || System.nanoTime() - e.loadedAt() < degradedL1Age.toNanos();
        }

        private V await(CompletableFuture<V> running) throws Exception {
            try {
                return running.get(WAIT_FOR_LOADER.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException ex) {
                throw ex.getCause() instanceof Exception c ? c : ex;
            } catch (TimeoutException ex) {
                throw new IllegalStateException("cache: loading " + name + " took longer than " + WAIT_FOR_LOADER, ex);
            }
        }

        private V load(String key, Callable<V> loader) throws Exception {
            long startEpoch = epoch.get();
            long gen = generation.get();
            if (remote != null) {
                byte[][] found = new byte[1][];
                if (!remoteDone(() -> found[0] = remote.get(name, gen, key))) {
                    metrics.record(name, "l2_error");
                }
                byte[] bytes = found[0];
                if (bytes != null) {
                    V v = Json.MAPPER.readValue(bytes, type);
                    metrics.record(name, "l2_hit");
                    putLocal(key, v, startEpoch);
                    return v;
                }
            }
            metrics.record(name, "miss");
            V v = loader.call();
            if (v == null) {
                return null;
            }
            if (remote != null) {
                byte[] encoded = Json.bytes(v);
                remoteDone(() -> {
                    remote.putIfAbsent(name, gen, key, encoded, ttl);
                    return null;
                });
            }
            putLocal(key, v, startEpoch);
            return v;
        }

        private void putLocal(String key, Object v, long startEpoch) {
            if (epoch.get() != startEpoch) {
                return; // invalidated while loading: the value may predate the write
            }
            l1.put(key, new Entry(v, System.nanoTime()));
            if (epoch.get() != startEpoch) {
                l1.invalidate(key);
            }
        }

        void dropLocal(String key) {
            epoch.incrementAndGet();
            l1.invalidate(key);
            dropped(key);
        }

        void dropAllLocal() {
            epoch.incrementAndGet();
            l1.invalidateAll();
            dropped(null);
        }

        /**
         * Calls {@code listener} whenever this node forgets a key because it changed, here or on another node (the
         * key), or forgets them all (null). Runs on the invalidating thread: it must be quick and not block.
         */
        public void onDrop(java.util.function.Consumer<String> listener) {
            dropListeners.add(listener);
        }

        private void dropped(String key) {
            for (java.util.function.Consumer<String> l : dropListeners) {
                try {
                    l.accept(key);
                } catch (RuntimeException e) {
                    log.warn("cache {}: a drop listener failed: {}", name, e.toString());
                }
            }
        }

        /** Forgets {@code key} on every node (call after the write committed). */
        public void invalidate(String key) {
            dropLocal(key);
            if (remote != null) {
                long gen = generation.get();
                if (!remoteDone(() -> {
                    remote.invalidate(name, gen, key, tombstone);
                    return null;
                })) {
                    pendingFlush.add(name);
                    scheduleResync(1_000);
                }
            }
        }

        /** Forgets every value of the namespace on every node (call after the write committed). */
        public void invalidateAll() {
            dropAllLocal();
            if (remote != null) {
                Long g = remoteCall(() -> remote.flush(name));
                if (g == null) {
                    pendingFlush.add(name);
                    scheduleResync(1_000);
                } else {
                    generation.accumulateAndGet(g, Math::max);
                }
            }
        }

        /** Entries in this node's L1 (approximate). */
        public long localSize() {
            return l1.estimatedSize();
        }
    }
}
