package com.hushryd.protect.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link RateLimiter} backend must do; each backend's test supplies the instance. */
public abstract class RateLimiterContract {
    /** Penalties of the limiter under test: blocks start at 30 s after two free strikes. */
    protected static final Penalties PENALTIES = new Penalties(Duration.ofSeconds(30), Duration.ofMinutes(15),
            Duration.ofHours(1), 2);

    protected RateLimiter limiter;

    /** A limiter with {@link #PENALTIES}, on a fresh key space. */
    protected abstract RateLimiter create();

    @BeforeEach
    void open() {
        limiter = create();
    }

    @AfterEach
    void close() {
        limiter.close();
    }

    private static String key() {
        return "k-" + UUID.randomUUID();
    }

    private Decision acquire(String key, Limit limit) {
        return limiter.acquire(key, limit).toCompletableFuture().join();
    }

    @Test
    void quota_isAllowedAsABurst_thenRefusedWithTheWaitForTheNextRequest() {
        Limit limit = new Limit("t", 3, Duration.ofHours(1));
        String k = key();
        assertThat(acquire(k, limit).remaining()).isEqualTo(2);
        assertThat(acquire(k, limit).remaining()).isEqualTo(1);
        Decision last = acquire(k, limit);
        assertThat(last.allowed()).isTrue();
        assertThat(last.remaining()).isZero();
        Decision refused = acquire(k, limit);
        assertThat(refused.allowed()).isFalse();
        // one request per 20 minutes at the sustained rate
        assertThat(refused.resetMillis()).isBetween(Duration.ofMinutes(19).toMillis(), Duration.ofMinutes(20).toMillis());
    }

    @Test
    void oneKeyExhausted_neverAffectsAnotherKey() {
        Limit limit = new Limit("t", 2, Duration.ofHours(1));
        String greedy = key();
        String other = key();
        for (int i = 0; i < 10; i++) {
            acquire(greedy, limit);
        }
        assertThat(acquire(greedy, limit).allowed()).isFalse();
        assertThat(acquire(other, limit).allowed()).isTrue();
        assertThat(acquire(other, limit).allowed()).isTrue();
    }

    @Test
    void concurrentAcquisitions_neverExceedTheQuota() throws Exception {
        Limit limit = new Limit("t", 50, Duration.ofHours(1));
        String k = key();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<CompletableFuture<Decision>>> calls = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                calls.add(pool.submit(() -> limiter.acquire(k, limit).toCompletableFuture()));
            }
            int allowed = 0;
            for (Future<CompletableFuture<Decision>> f : calls) {
                if (f.get().join().allowed()) {
                    allowed++;
                }
            }
            assertThat(allowed).isEqualTo(50);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void quota_refillsAtTheSustainedRate() {
        Limit limit = new Limit("t", 2, Duration.ofMillis(400)); // one more every 200 ms
        String k = key();
        acquire(k, limit);
        acquire(k, limit);
        assertThat(acquire(k, limit).allowed()).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> acquire(k, limit).allowed());
    }

    @Test
    void repeatOffender_thirdRefusalEpisode_isBlockedForThePenalty_andTheNextLonger() {
        Limit limit = new Limit("t", 2, Duration.ofMillis(400));
        String k = key();
        acquire(k, limit);
        acquire(k, limit);
        Decision first = acquire(k, limit);
        assertThat(first.allowed()).isFalse();
        assertThat(first.strikes()).isEqualTo(1);
        assertThat(first.resetMillis()).isLessThan(1_000);
        assertThat(acquire(k, limit).strikes()).as("refusals in one episode are one strike").isEqualTo(1);

        await().atMost(Duration.ofSeconds(5)).until(() -> acquire(k, limit).allowed());
        drain(k, limit);
        Decision second = acquire(k, limit);
        assertThat(second.strikes()).isEqualTo(2);
        assertThat(second.resetMillis()).as("two strikes are still free").isLessThan(1_000);

        await().atMost(Duration.ofSeconds(5)).until(() -> acquire(k, limit).allowed());
        drain(k, limit);
        Decision third = acquire(k, limit);
        assertThat(third.allowed()).isFalse();
        assertThat(third.strikes()).isEqualTo(3);
        assertThat(third.resetMillis()).isGreaterThan(29_000).isLessThanOrEqualTo(30_000);
        Decision during = acquire(k, limit);
        assertThat(during.allowed()).as("blocked even once the bucket refilled").isFalse();
        assertThat(during.resetMillis()).isGreaterThan(25_000);
    }

    private void drain(String k, Limit limit) {
        while (acquire(k, limit).allowed()) {
            // use up the refilled quota so the next request is refused
        }
    }
}
