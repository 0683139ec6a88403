package com.hushryd.protect.breaker;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * How a dependency's circuit breaker behaves: it opens after {@code threshold} failed calls in a row (the last
 * {@code threshold} calls all failed or took longer than {@code slowCall}), refuses calls at once while open, then
 * turns half-open by itself and lets one trial call through: success closes it, failure opens it again. The open
 * window starts at {@link #FIRST_TRIAL} and doubles with each failed trial up to {@code openFor}, so service returns
 * within about {@code openFor} of the dependency's return however long it was away, while a long outage costs one
 * trial call every {@code openFor}. Defaults: PostgreSQL 5 failures, Redis 3 (seed 001's mongodb and redis
 * thresholds); both with trials at most 5 s apart (decision 0032).
 */
public record BreakerPolicy(int threshold, Duration openFor, Duration slowCall) {
    /** The open window after the first opening; a closed breaker starts again from it. */
    public static final Duration FIRST_TRIAL = Duration.ofMillis(500);

    public static BreakerPolicy postgresDefaults() {
        return new BreakerPolicy(5, Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    public static BreakerPolicy redisDefaults() {
        return new BreakerPolicy(3, Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    /** How long the breaker stays open after its {@code attempt}-th opening in a row (1 for the first). */
    public Duration openWindow(int attempt) {
        return Duration.ofMillis(interval().apply(attempt));
    }

    private IntervalFunction interval() {
        Duration first = FIRST_TRIAL.compareTo(openFor) < 0 ? FIRST_TRIAL : openFor;
        return IntervalFunction.ofExponentialBackoff(first, 2.0, openFor);
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
                .waitIntervalFunctionInOpenState(interval())
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(counts)
                .build();
    }
}
