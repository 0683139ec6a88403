package com.hushryd.protect.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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

    private static void fail(CircuitBreaker b, Exception e) {
        b.acquirePermission();
        b.onError(1, TimeUnit.MILLISECONDS, e);
    }
}
