package com.hushryd.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The first level alone (a single node without Redis). */
class TwoLevelCacheTest {
    private final TwoLevelCache cache = new TwoLevelCache(null, null, CacheMetrics.NONE, Duration.ofSeconds(5),
            Duration.ofSeconds(5));

    record Profile(String id, String name) {
    }

    @Test
    void manyConcurrentReadersOfAMissingKey_runTheLoaderOnce() throws Exception {
        TwoLevelCache.Namespace<Profile> ns = cache.namespace("p1", Profile.class, Duration.ofMinutes(1), 100);
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Profile>> reads = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                reads.add(pool.submit(() -> ns.get("k", () -> {
                    loads.incrementAndGet();
                    release.await();
                    return new Profile("k", "Asha");
                })));
            }
            org.awaitility.Awaitility.await().until(() -> loads.get() == 1);
            release.countDown();
            for (Future<Profile> f : reads) {
                assertThat(f.get().name()).isEqualTo("Asha");
            }
            assertThat(loads.get()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void invalidate_nextReadLoadsAgain() throws Exception {
        TwoLevelCache.Namespace<Profile> ns = cache.namespace("p2", Profile.class, Duration.ofMinutes(1), 100);
        AtomicInteger version = new AtomicInteger(1);
        assertThat(ns.get("k", () -> new Profile("k", "v" + version.get())).name()).isEqualTo("v1");
        version.set(2);
        assertThat(ns.get("k", () -> new Profile("k", "v" + version.get())).name()).as("cached").isEqualTo("v1");
        ns.invalidate("k");
        assertThat(ns.get("k", () -> new Profile("k", "v" + version.get())).name()).isEqualTo("v2");
        version.set(3);
        ns.invalidateAll();
        assertThat(ns.get("k", () -> new Profile("k", "v" + version.get())).name()).isEqualTo("v3");
    }

    @Test
    void loadRacingWithAnInvalidation_isNotKept() throws Exception {
        TwoLevelCache.Namespace<Profile> ns = cache.namespace("p3", Profile.class, Duration.ofMinutes(1), 100);
        Profile stale = ns.get("k", () -> {
            ns.invalidate("k"); // a write commits while this load is reading the old row
            return new Profile("k", "old");
        });
        assertThat(stale.name()).isEqualTo("old");
        assertThat(ns.get("k", () -> new Profile("k", "new")).name()).isEqualTo("new");
    }

    @Test
    void failedLoad_isNotCached_andNullIsNotCached() throws Exception {
        TwoLevelCache.Namespace<Profile> ns = cache.namespace("p4", Profile.class, Duration.ofMinutes(1), 100);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ns.get("k", () -> {
            throw new java.sql.SQLException("down", "08006");
        })).isInstanceOf(java.sql.SQLException.class);
        assertThat(ns.get("k", () -> null)).isNull();
        assertThat(ns.get("k", () -> new Profile("k", "ok")).name()).isEqualTo("ok");
    }
}
