package com.hushryd.notify;

import java.time.Duration;

/**
 * How a provider's circuit breaker behaves. Defaults ({@link #ofDefaults()}) follow seed 001's circuitBreakerConfig
 * for Twilio and SendGrid (threshold 10, timeout 10 s, resetTimeout 120 s): the breaker judges the last 10 calls,
 * opens when half of them failed or took longer than the timeout, stays open 120 s, then lets 2 trial calls through
 * (half-open) and closes again if they succeed.
 *
 * @param window        calls judged (and needed before the breaker may open)
 * @param failureRate   percentage of failed calls in the window that opens the breaker
 * @param callTimeout   a call slower than this counts as failed (also the HTTP timeout)
 * @param openFor       how long an open breaker refuses calls before trying again
 * @param halfOpenCalls trial calls let through after {@code openFor}
 */
public record BreakerSettings(int window, float failureRate, Duration callTimeout, Duration openFor,
        int halfOpenCalls) {
    public static BreakerSettings ofDefaults() {
        return new BreakerSettings(10, 50f, Duration.ofSeconds(10), Duration.ofSeconds(120), 2);
    }

    public BreakerSettings withCallTimeout(Duration timeout) {
        return new BreakerSettings(window, failureRate, timeout, openFor, halfOpenCalls);
    }
}
