package com.hushryd.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.cache.redis.RedisRemoteCache;
import com.hushryd.protect.breaker.BreakerPolicy;
import com.hushryd.protect.breaker.Breakers;
import com.hushryd.store.RedisUrl;
import com.hushryd.testing.TestRedis;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two "nodes" (two caches) on one real Redis, which one test stops and starts. */
class TwoLevelCacheIT {
    record Trip(String id, int seats) {
    }

    private final List<AutoCloseable> open = new ArrayList<>();
    private final String prefix = TestRedis.prefix();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private TwoLevelCache node(String redisUrl, String id, CircuitBreaker breaker) {
        return node(redisUrl, id, breaker, Duration.ofSeconds(1));
    }

    private TwoLevelCache node(String redisUrl, String id, CircuitBreaker breaker, Duration degradedL1Age) {
        RedisRemoteCache remote = new RedisRemoteCache(RedisUrl.parse(redisUrl), prefix, id);
        open.add(remote);
        return new TwoLevelCache(remote, breaker, CacheMetrics.NONE, Duration.ofSeconds(3), degradedL1Age);
    }

    @Test
    void valueLoadedOnOneNode_isServedFromRedisOnTheOther() throws Exception {
        AtomicInteger loads = new AtomicInteger();
        var a = node(TestRedis.url(), "a", null).namespace("trip", Trip.class, Duration.ofMinutes(1), 100);
        var b = node(TestRedis.url(), "b", null).namespace("trip", Trip.class, Duration.ofMinutes(1), 100);
        assertThat(a.get("t1", () -> new Trip("t1", loads.incrementAndGet())).seats()).isEqualTo(1);
        assertThat(b.get("t1", () -> new Trip("t1", loads.incrementAndGet())).seats()).isEqualTo(1);
        assertThat(loads.get()).isEqualTo(1);
    }

    @Test
    void invalidationOnOneNode_reachesTheOthersFirstLevel_andTheOldValueCannotBePutBack() throws Exception {
        AtomicInteger seats = new AtomicInteger(3);
        var a = node(TestRedis.url(), "a", null).namespace("trip", Trip.class, Duration.ofMinutes(1), 100);
        var b = node(TestRedis.url(), "b", null).namespace("trip", Trip.class, Duration.ofMinutes(1), 100);
        assertThat(b.get("t", () -> new Trip("t", seats.get())).seats()).isEqualTo(3);
        seats.set(1);
        a.invalidate("t");
        await().atMost(Duration.ofSeconds(5)).until(() -> b.get("t", () -> new Trip("t", seats.get())).seats() == 1);
        // a loader that read the row before the write finishes late: its value must not reach Redis
        var c = node(TestRedis.url(), "c", null).namespace("trip", Trip.class, Duration.ofMinutes(1), 100);
        a.invalidate("t");
        c.get("t", () -> new Trip("t", 3));
        var d = node(TestRedis.url(), "d", null).namespace("trip", Trip.class, Duration.ofMinutes(1), 100);
        assertThat(d.get("t", () -> new Trip("t", seats.get())).seats()).isEqualTo(1);
    }

    @Test
    void flushOnOneNode_makesEveryNodeReload() throws Exception {
        AtomicInteger version = new AtomicInteger(1);
        var a = node(TestRedis.url(), "a", null).namespace("search", Trip.class, Duration.ofMinutes(1), 100);
        var b = node(TestRedis.url(), "b", null).namespace("search", Trip.class, Duration.ofMinutes(1), 100);
        b.get("q", () -> new Trip("q", version.get()));
        version.set(2);
        a.invalidateAll();
        await().atMost(Duration.ofSeconds(5)).until(() -> b.get("q", () -> new Trip("q", version.get())).seats() == 2);
        assertThat(a.get("q", () -> new Trip("q", 99)).seats()).isEqualTo(2);
    }

    @Test
    void redisDown_readsGoToTheLoader_missedInvalidationsAreReplayed_andL1IsClearedOnReconnect() throws Exception {
        try (TestRedis.Dedicated redis = TestRedis.dedicated()) {
            CircuitBreaker breaker = new Breakers().create("redis", new BreakerPolicy(2, Duration.ofMillis(500),
                    Duration.ofSeconds(5)), e -> true);
            var a = node(redis.url(), "a", breaker).namespace("trip", Trip.class, Duration.ofMinutes(5), 100);
            // b trusts its L1 for a minute while Redis is away, so only the reconnect can clear it here
            var b = node(redis.url(), "b", null, Duration.ofMinutes(1))
                    .namespace("trip", Trip.class, Duration.ofMinutes(5), 100);
            AtomicInteger seats = new AtomicInteger(4);
            assertThat(b.get("t", () -> new Trip("t", seats.get())).seats()).isEqualTo(4);

            redis.stop();
            seats.set(2);
            a.invalidate("t"); // cannot reach Redis: remembered, replayed as a flush later
            assertThat(a.get("t", () -> new Trip("t", seats.get())).seats()).as("served from the loader").isEqualTo(2);
            assertThat(b.get("t", () -> new Trip("t", seats.get())).seats()).as("b missed it").isEqualTo(4);
            redis.start();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> b.get("t", () -> new Trip("t", seats.get())).seats() == 2);
            io.lettuce.core.RedisClient admin = com.hushryd.store.RedisConnector.client(RedisUrl.parse(redis.url()),
                    "test");
            try (var c = admin.connect()) {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> "1".equals(c.sync().get(prefix + "cgen:trip")));
            } finally {
                admin.shutdown();
            }
        }
    }
}
