package com.hushryd.notify;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends through the first provider that works, primary first, each behind its own circuit breaker: a provider whose
 * breaker is open is skipped without a call, so a vendor outage costs one timeout per window, not one per message.
 * When every provider fails the send fails, and the notification job is retried with backoff.
 */
public final class FailoverSender {
    private static final Logger log = LoggerFactory.getLogger(FailoverSender.class);

    private record Guarded(Provider provider, CircuitBreaker breaker) {
    }

    private final Channel channel;
    private final List<Guarded> chain = new ArrayList<>();

    public FailoverSender(Channel channel, List<Provider> providers, BreakerSettings settings) {
        if (providers.isEmpty()) {
            throw new IllegalArgumentException(channel + ": at least one provider");
        }
        this.channel = channel;
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.window())
                .minimumNumberOfCalls(settings.window())
                .failureRateThreshold(settings.failureRate())
                .slowCallDurationThreshold(settings.callTimeout())
                .slowCallRateThreshold(settings.failureRate())
                .waitDurationInOpenState(settings.openFor())
                .permittedNumberOfCallsInHalfOpenState(settings.halfOpenCalls())
                .recordExceptions(Exception.class)
                .build();
        for (Provider p : providers) {
            chain.add(new Guarded(p, CircuitBreaker.of(p.name(), config)));
        }
    }

    public Channel channel() {
        return channel;
    }

    /** Delivers {@code n}; returns the name of the provider that took it. */
    public String send(Notification n) throws Exception {
        Exception last = null;
        for (Guarded g : chain) {
            if (!g.breaker().tryAcquirePermission()) {
                last = CallNotPermittedException.createCallNotPermittedException(g.breaker());
                continue;
            }
            long start = System.nanoTime();
            try {
                g.provider().send(n);
                g.breaker().onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                return g.provider().name();
            } catch (Exception e) {
                g.breaker().onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
                log.warn("{}: {} failed ({}){}", channel.label(), g.provider().name(), e.getMessage(),
                        g == chain.get(chain.size() - 1) ? "" : "; trying the fallback");
                last = e;
            }
        }
        throw last;
    }

    /** Each provider's breaker state, for health and metrics. */
    public List<CircuitBreaker> breakers() {
        return chain.stream().map(Guarded::breaker).toList();
    }
}
