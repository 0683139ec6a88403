package com.hushryd.bench.jmh;

import com.hushryd.cache.CacheMetrics;
import com.hushryd.cache.TwoLevelCache;
import com.hushryd.cache.redis.RedisRemoteCache;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@link TwoLevelCache} reads of a trip-sized value: {@code l1} is the cache of a single node (Caffeine only),
 * {@code l1+l2} adds Redis as the shared level (values stored there at set-up). {@code hit}: 1,000 keys that all fit
 * in L1, so every read is an L1 hit. {@code miss}: 20,000 keys, L1 bounded to 200, so about 99 % of reads miss L1: with
 * {@code l1+l2} they are a Redis GET, a JSON decode and an L1 put; with {@code l1} they go to the loader, which returns
 * a ready value (it stands for the database, whose cost is not measured), and an L1 put.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CacheGetBenchmark {
    private static final int HOT_KEYS = 1_000;
    private static final int COLD_KEYS = 20_000;

    /** A cached trip, about the size of the API's trip JSON. */
    public record Trip(String id, String from, String to, String departureTime, int seats, long pricePerSeat,
            String driverId) {
    }

    @Param({"l1", "l1+l2"})
    String levels;

    private TwoLevelCache cache;
    private RedisRemoteCache remote;
    private TwoLevelCache.Namespace<Trip> hot;
    private TwoLevelCache.Namespace<Trip> cold;
    private String[] hotKeys;
    private String[] coldKeys;
    private final Trip value = new Trip(UUID.randomUUID().toString(), "Hyderabad", "Vijayawada",
            "2026-11-22T08:30:00Z", 3, 45_000, UUID.randomUUID().toString());

    @Setup
    public void setUp() throws Exception {
        if (levels.equals("l1+l2")) {
            remote = new RedisRemoteCache(Redis.url(), "jmh-cache-" + UUID.randomUUID().toString().substring(0, 8) + ":",
                    "jmh");
        }
        cache = new TwoLevelCache(remote, null, CacheMetrics.NONE, Duration.ofSeconds(5), Duration.ofSeconds(5));
        hot = cache.namespace("hot", Trip.class, Duration.ofMinutes(5), HOT_KEYS);
        cold = cache.namespace("cold", Trip.class, Duration.ofMinutes(5), COLD_KEYS / 100);
        hotKeys = keys(HOT_KEYS);
        coldKeys = keys(COLD_KEYS);
        for (String k : hotKeys) {
            hot.get(k, () -> value);
        }
        for (String k : coldKeys) {
            cold.get(k, () -> value); // with l1+l2 this stores every value in Redis
        }
    }

    private static String[] keys(int n) {
        String[] keys = new String[n];
        for (int i = 0; i < n; i++) {
            keys[i] = UUID.randomUUID().toString();
        }
        return keys;
    }

    @Benchmark
    public Trip hit() throws Exception {
        return hot.get(hotKeys[ThreadLocalRandom.current().nextInt(HOT_KEYS)], () -> value);
    }

    @Benchmark
    public Trip miss() throws Exception {
        return cold.get(coldKeys[ThreadLocalRandom.current().nextInt(COLD_KEYS)], () -> value);
    }

    @TearDown
    public void tearDown() {
        cache.close();
        if (remote != null) {
            remote.close();
        }
    }
}
