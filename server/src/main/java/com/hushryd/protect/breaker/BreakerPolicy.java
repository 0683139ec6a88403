package com.hushryd.protect.breaker;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * How a dependency's circuit breaker behaves, in seed 001's terms: it opens after {@code threshold} failed calls in a
 * row (the last {@code threshold} calls all failed or took longer than {@code slowCall}), stays open {@code openFor}
 * refusing calls at once, then turns half-open by itself and lets one trial call through: success closes it, failure
 * opens it again. Defaults: PostgreSQL 5 failures / 60 s, Redis 3 / 30 s (seed 001's mongodb and redis entries).
 */
public record BreakerPolicy(int threshold, Duration openFor, Duration slowCall) {
    public static BreakerPolicy postgresDefaults() {
        return new BreakerPolicy(5, Duration.ofSeconds(60), Duration.ofSeconds(30));
    }

    public static BreakerPolicy redisDefaults() {
        return new BreakerPolicy(3, Duration.ofSeconds(30), Duration.ofSeconds(5));
    }

    /** The Resilience4j configuration; {@code counts} says which failures count (others count as successes). */
    public CircuitBreakerConfig config(Predicate<Throwable> counts) {
        return CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(threshold)
                .minimumNumberOfCalls(threshold)
                .failureRateThreshold(100f)
                .slowCallDurationThreshold(slowCall)
                .slowCallRateThreshold(100f)
                .waitDurationInOpenState(openFor)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(counts)
                .build();
    }
}
