package com.hushryd.protect.breaker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuit breakers of a node, by dependency: created here, listed in {@code /health} and {@code /metrics}. A
 * breaker created with a probe does not wait for traffic to find out that its dependency is back: each time it turns
 * half-open, the probe runs as the trial call on a thread of its own.
 */
public final class Breakers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Breakers.class);

    /** A cheap call to the dependency (a ping) that throws when the dependency cannot serve. */
    @FunctionalInterface
    public interface Probe {
        void check() throws Exception;
    }

    private final List<CircuitBreaker> all = new CopyOnWriteArrayList<>();
    private final ExecutorService prober = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "breaker-probe");
        t.setDaemon(true);
        return t;
    });

    /** A new breaker that logs its state changes; its trials come from traffic only. */
    public CircuitBreaker create(String name, BreakerPolicy policy, Predicate<Throwable> counts) {
        return create(name, policy, counts, null);
    }

    /** A new breaker that logs its state changes and, when {@code probe} is not null, runs it as each trial call. */
    public CircuitBreaker create(String name, BreakerPolicy policy, Predicate<Throwable> counts, Probe probe) {
        CircuitBreaker b = CircuitBreaker.of(name, policy.config(counts));
        b.getEventPublisher().onStateTransition(e -> {
            CircuitBreaker.State to = e.getStateTransition().getToState();
            if (to == CircuitBreaker.State.OPEN && e.getStateTransition().getFromState() == CircuitBreaker.State.HALF_OPEN) {
                log.debug("circuit breaker {}: the trial call failed; still open", name);
            } else if (to == CircuitBreaker.State.OPEN) {
                log.warn("circuit breaker {} opened: calls fail at once; trial calls from {} ms apart, at most {} ms",
                        name, Math.min(BreakerPolicy.FIRST_TRIAL.toMillis(), policy.openFor().toMillis()),
                        policy.openFor().toMillis());
            } else if (to != CircuitBreaker.State.HALF_OPEN) {
                log.info("circuit breaker {} is {}", name, state(to));
            }
            if (to == CircuitBreaker.State.HALF_OPEN && probe != null) {
                try {
                    prober.execute(() -> trial(b, probe));
                } catch (RejectedExecutionException closed) {
                    // the node is stopping: traffic, if any, makes the trial
                }
            }
        });
        all.add(b);
        return b;
    }

    /** One trial call through {@code b}, unless traffic already took the half-open breaker's only permit. */
    static void trial(CircuitBreaker b, Probe probe) {
        if (!b.tryAcquirePermission()) {
            return;
        }
        long start = System.nanoTime();
        try {
            probe.check();
            b.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            b.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
        }
    }

    public List<CircuitBreaker> all() {
        return List.copyOf(all);
    }

    public static String state(CircuitBreaker.State s) {
        return s.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() {
        prober.shutdownNow();
    }
}
