package com.hushryd.bench;

import com.hushryd.protect.ratelimit.Decision;
import com.hushryd.protect.ratelimit.Limit;
import com.hushryd.protect.ratelimit.Penalties;
import com.hushryd.protect.ratelimit.RedisRateLimiter;
import com.hushryd.store.RedisConnector;
import com.hushryd.store.RedisUrl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * P-API, second half: the latency a Redis rate-limit decision adds to a request. C caller threads each keep one
 * decision in flight ({@code RedisRateLimiter.acquire(...).join()}, the call the admission makes per request: one
 * EVALSHA of gcra.lua) for the duration, over {@code --keys} bucket keys with a quota so large that every request is
 * allowed; latency from the call to its answer, HdrHistogram. Prints numbers only.
 *
 * <pre>
 * java ... com.hushryd.bench.RateLimitBench [--concurrency 1,8] [--seconds 5] [--keys 10000]
 * </pre>
 * REDIS_URL (default redis://127.0.0.1:6379); keys under a scratch prefix, deleted afterwards.
 */
public final class RateLimitBench {
    private RateLimitBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>(Map.of("concurrency", "1,8", "seconds", "5", "keys", "10000"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        RedisUrl url = RedisUrl.parse(System.getenv().getOrDefault("REDIS_URL", "redis://127.0.0.1:6379"));
        int seconds = Integer.parseInt(opts.get("seconds"));
        int keys = Integer.parseInt(opts.get("keys"));
        String prefix = "bench-rl-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        Limit limit = new Limit("bench", 1_000_000_000, Duration.ofMinutes(1));
        try (RedisRateLimiter limiter = new RedisRateLimiter(url, prefix, Penalties.of(Duration.ofMinutes(1)),
                "bench")) {
            run(limiter, limit, keys, 1, 1); // load the script, warm the connection and JIT
            for (String c : opts.get("concurrency").split(",")) {
                int concurrency = Integer.parseInt(c.trim());
                run(limiter, limit, keys, concurrency, 2); // warm-up at this concurrency
                Histogram h = run(limiter, limit, keys, concurrency, seconds);
                System.out.printf(Locale.ROOT, "redis rate-limit decision  C=%-3d %9.0f decisions/s   p50 %6.3f ms"
                        + "   p99 %6.3f ms   p99.9 %6.3f ms   max %6.3f ms%n", concurrency,
                        h.getTotalCount() / (double) seconds, ms(h.getValueAtPercentile(50)),
                        ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
            }
        } finally {
            io.lettuce.core.RedisClient client = RedisConnector.client(url, "bench-cleanup");
            try (var c = client.connect()) {
                List<String> found = c.sync().keys(prefix + "*");
                if (!found.isEmpty()) {
                    c.sync().del(found.toArray(String[]::new));
                }
            } finally {
                client.shutdown();
            }
        }
    }

    private static double ms(long nanos) {
        return nanos / 1_000_000.0;
    }

    private static Histogram run(RedisRateLimiter limiter, Limit limit, int keys, int concurrency, int seconds)
            throws InterruptedException {
        Recorder recorder = new Recorder(3);
        AtomicLong refused = new AtomicLong();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            Thread th = new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (System.nanoTime() < end) {
                    String key = "authenticated:u:" + random.nextInt(keys);
                    long start = System.nanoTime();
                    Decision d = limiter.acquire(key, limit).toCompletableFuture().join();
                    recorder.recordValue(System.nanoTime() - start);
                    if (!d.allowed()) {
                        refused.incrementAndGet();
                    }
                }
            });
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join();
        }
        if (refused.get() > 0) {
            throw new IllegalStateException(refused.get() + " decisions refused: the quota should never run out");
        }
        return recorder.getIntervalHistogram();
    }
}
