package com.hushryd.protect.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BreakerPolicyTest {
    private final Breakers breakers = new Breakers();

    @Test
    void thresholdFailuresInARow_open_thenHalfOpenByItself_andATrialSuccessCloses() {
        CircuitBreaker b = breakers.create("dep", new BreakerPolicy(3, Duration.ofMillis(300), Duration.ofSeconds(5)),
                e -> e instanceof IOException);
        fail(b, new IOException("refused"));
        fail(b, new IOException("refused"));
        assertThat(b.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        fail(b, new IOException("refused"));
        assertThat(b.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(b.tryAcquirePermission()).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> b.getState() == CircuitBreaker.State.HALF_OPEN);
        assertThat(b.tryAcquirePermission()).isTrue();
        assertThat(b.tryAcquirePermission()).as("one trial call at a time").isFalse();
        b.onSuccess(1, TimeUnit.MILLISECONDS);
        assertThat(b.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breakers.all()).containsExactly(b);
    }

    @Test
    void aSuccessInBetween_orFailuresThatDoNotCount_keepItClosed() {
        CircuitBreaker b = breakers.create("dep2", new BreakerPolicy(2, Duration.ofSeconds(60), Duration.ofSeconds(5)),
                e -> e instanceof IOException);
        fail(b, new IOException("x"));
        b.acquirePermission();
        b.onSuccess(1, TimeUnit.MILLISECONDS);
        fail(b, new IOException("x"));
        assertThat(b.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        fail(b, new IllegalArgumentException("bad input, not an outage"));
        assertThat(b.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void openWindow_startsShort_doublesPerFailedTrial_andIsCappedByOpenFor() {
        BreakerPolicy p = new BreakerPolicy(3, Duration.ofSeconds(5), Duration.ofSeconds(5));
        assertThat(p.openWindow(1)).isEqualTo(Duration.ofMillis(500));
        assertThat(p.openWindow(2)).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.openWindow(4)).isEqualTo(Duration.ofSeconds(4));
        assertThat(p.openWindow(5)).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.openWindow(30)).isEqualTo(Duration.ofSeconds(5));
        assertThat(new BreakerPolicy(3, Duration.ofMillis(200), Duration.ofSeconds(5)).openWindow(1))
                .as("an open window shorter than the first trial wins").isEqualTo(Duration.ofMillis(200));
        assertThat(BreakerPolicy.postgresDefaults().openFor()).isEqualTo(Duration.ofSeconds(5));
        assertThat(BreakerPolicy.redisDefaults().openFor()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void withAProbe_theDependencyIsTriedWithoutTraffic_failedTrialsReopen_andTheFirstGoodOneCloses() {
        AtomicBoolean up = new AtomicBoolean(false);
        AtomicInteger probes = new AtomicInteger();
        try (Breakers own = new Breakers()) {
            CircuitBreaker b = own.create("probed", new BreakerPolicy(2, Duration.ofMillis(400), Duration.ofSeconds(5)),
                    e -> e instanceof IOException, () -> {
                        probes.incrementAndGet();
                        if (!up.get()) {
                            throw new IOException("still refused");
                        }
                    });
            fail(b, new IOException("refused"));
            fail(b, new IOException("refused"));
            assertThat(b.getState()).isEqualTo(CircuitBreaker.State.OPEN);
            await().atMost(Duration.ofSeconds(10)).until(() -> probes.get() >= 2);
            assertThat(b.getState()).as("failed trials open it again").isNotEqualTo(CircuitBreaker.State.CLOSED);
            up.set(true);
            await().atMost(Duration.ofSeconds(5)).until(() -> b.getState() == CircuitBreaker.State.CLOSED);
            assertThat(b.getMetrics().getNumberOfNotPermittedCalls()).isZero();
        }
    }

    @Test
    void aProbe_stepsAside_whenTrafficTookTheTrialPermit() throws Exception {
        CircuitBreaker b = breakers.create("dep3", new BreakerPolicy(1, Duration.ofMillis(100), Duration.ofSeconds(5)),
                e -> true);
        fail(b, new IOException("x"));
        await().atMost(Duration.ofSeconds(5)).until(() -> b.getState() == CircuitBreaker.State.HALF_OPEN);
        assertThat(b.tryAcquirePermission()).isTrue();
        AtomicInteger probes = new AtomicInteger();
        Breakers.trial(b, probes::incrementAndGet);
        assertThat(probes).hasValue(0);
        b.onSuccess(1, TimeUnit.MILLISECONDS);
        assertThat(b.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    private static void fail(CircuitBreaker b, Exception e) {
        b.acquirePermission();
        b.onError(1, TimeUnit.MILLISECONDS, e);
    }
}
