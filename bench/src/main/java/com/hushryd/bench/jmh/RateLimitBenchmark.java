package com.hushryd.bench.jmh;

import com.hushryd.protect.ratelimit.Decision;
import com.hushryd.protect.ratelimit.Limit;
import com.hushryd.protect.ratelimit.LocalRateLimiter;
import com.hushryd.protect.ratelimit.Penalties;
import com.hushryd.protect.ratelimit.RateLimiter;
import com.hushryd.protect.ratelimit.RedisRateLimiter;
import java.time.Clock;
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
 * One rate-limit decision as admission takes it per request: {@code acquire(key, limit)} and wait for the answer,
 * over 10,000 bucket keys with a quota so large that every request passes ({@code memory}: the node-local GCRA in
 * Caffeine; {@code redis}: one EVALSHA of gcra.lua, a round trip per call). Keys under a scratch prefix that expires.
 * The latency distribution under concurrency is {@code bench/ratelimit.sh}'s job; this is the mean cost of one call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RateLimitBenchmark {
    private static final int KEYS = 10_000;
    private static final Limit LIMIT = new Limit("bench", 1_000_000_000, Duration.ofMinutes(1));

    @Param({"memory", "redis"})
    String backend;

    private RateLimiter limiter;
    private String[] keys;

    @Setup
    public void setUp() {
        limiter = backend.equals("redis")
                ? new RedisRateLimiter(Redis.url(), "jmh-rl-" + UUID.randomUUID().toString().substring(0, 8) + ":",
                        Penalties.NONE, "jmh")
                : new LocalRateLimiter(Penalties.NONE, Clock.systemUTC(), 100_000);
        keys = new String[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = "authenticated:u:" + i;
        }
    }

    @Benchmark
    public Decision acquire() {
        return limiter.acquire(keys[ThreadLocalRandom.current().nextInt(KEYS)], LIMIT).toCompletableFuture().join();
    }

    @TearDown
    public void tearDown() {
        limiter.close();
    }
}
