package com.hushryd.protect.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.protect.breaker.BreakerPolicy;
import com.hushryd.protect.breaker.Breakers;
import com.hushryd.store.RedisUrl;
import com.hushryd.testing.TcpProxy;
import com.hushryd.testing.TestRedis;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The failover limiter passes the backend contract while Redis answers, and decides with this node's own buckets
 * while Redis cannot (its breaker opens), back to shared decisions once Redis returns.
 */
class FailoverRateLimiterIT extends RateLimiterContract {
    private static final String PREFIX = TestRedis.prefix();
    private final Breakers breakers = new Breakers();

    @Override
    protected RateLimiter create() {
        return failover(TestRedis.redisUrl(), breakers.create("redis", BreakerPolicy.redisDefaults(), e -> true));
    }

    private static FailoverRateLimiter failover(RedisUrl url, CircuitBreaker breaker) {
        return new FailoverRateLimiter(new RedisRateLimiter(url, PREFIX, PENALTIES, "test"),
                new LocalRateLimiter(PENALTIES, Clock.systemUTC(), 10_000), breaker);
    }

    @AfterAll
    static void cleanUp() {
        TestRedis.deleteKeys(PREFIX);
    }

    @Test
    void whileRedisIsDownDecisionsAreLocal_andSharedAgainWhenItReturns() throws Exception {
        RedisUrl direct = TestRedis.redisUrl();
        Limit limit = new Limit("failover", 1000, Duration.ofMinutes(1));
        try (TcpProxy proxy = new TcpProxy(direct.host(), direct.port());
                Breakers own = new Breakers()) {
            CircuitBreaker breaker = own.create("redis-cut", new BreakerPolicy(2, Duration.ofMillis(500),
                    Duration.ofSeconds(5)), e -> true);
            FailoverRateLimiter limiter = failover(TestRedis.through(proxy.port()), breaker);
            try {
                String key = "k-" + UUID.randomUUID();
                assertThat(limiter.acquire(key, limit).toCompletableFuture().join().allowed()).isTrue();
                assertThat(limiter.onShared()).isTrue();
                assertThat(limiter.localDecisions()).isZero();

                proxy.suspend();
                for (int i = 0; i < 5; i++) {
                    assertThat(limiter.acquire(key, limit).toCompletableFuture().join().allowed())
                            .as("the API keeps serving on this node's limits").isTrue();
                }
                assertThat(limiter.onShared()).isFalse();
                assertThat(limiter.localDecisions()).isPositive();
                assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);

                proxy.resume();
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    limiter.acquire(key, limit).toCompletableFuture().join();
                    return limiter.onShared();
                });
            } finally {
                limiter.close();
            }
        }
    }
}
