package com.hushryd.ops;

import com.hushryd.protect.breaker.Breakers;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.LinkedHashMap;
import java.util.Map;

/** The dependency circuit breakers in {@code /health}: state, failure rate and refused calls; degraded while any is open. */
public final class BreakerHealth implements HealthCheck {
    private final Breakers breakers;

    public BreakerHealth(Breakers breakers) {
        this.breakers = breakers;
    }

    @Override
    public String name() {
        return "breakers";
    }

    @Override
    public boolean critical() {
        return false;
    }

    @Override
    public Result check() {
        Map<String, Object> states = new LinkedHashMap<>();
        Status status = Status.UP;
        for (CircuitBreaker b : breakers.all()) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("state", Breakers.state(b.getState()));
            CircuitBreaker.Metrics m = b.getMetrics();
            d.put("failedCalls", m.getNumberOfFailedCalls());
            d.put("notPermittedCalls", m.getNumberOfNotPermittedCalls());
            states.put(b.getName(), d);
            if (b.getState() != CircuitBreaker.State.CLOSED) {
                status = Status.DEGRADED;
            }
        }
        return new Result(status, Map.of("breakers", states));
    }
}
