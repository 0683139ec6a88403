package com.hushryd.protect.breaker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The circuit breakers of a node, by dependency: created here, listed in {@code /health} and {@code /metrics}. */
public final class Breakers {
    private static final Logger log = LoggerFactory.getLogger(Breakers.class);
    private final List<CircuitBreaker> all = new CopyOnWriteArrayList<>();

    /** A new breaker that logs its state changes. */
    public CircuitBreaker create(String name, BreakerPolicy policy, Predicate<Throwable> counts) {
        CircuitBreaker b = CircuitBreaker.of(name, policy.config(counts));
        b.getEventPublisher().onStateTransition(e -> {
            CircuitBreaker.State to = e.getStateTransition().getToState();
            if (to == CircuitBreaker.State.OPEN) {
                log.warn("circuit breaker {} opened: calls fail at once for {}s", name, policy.openFor().toSeconds());
            } else {
                log.info("circuit breaker {} is {}", name, state(to));
            }
        });
        all.add(b);
        return b;
    }

    public List<CircuitBreaker> all() {
        return List.copyOf(all);
    }

    public static String state(CircuitBreaker.State s) {
        return s.name().toLowerCase(Locale.ROOT);
    }
}
