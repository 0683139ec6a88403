package com.hushryd.ops;

import com.hushryd.notify.Channel;
import com.hushryd.notify.Notifications;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.LinkedHashMap;
import java.util.Map;

/** The notification providers in {@code /health}: each breaker's state; degraded while any is open. */
public final class NotifyHealth implements HealthCheck {
    private final Notifications notifications;

    public NotifyHealth(Notifications notifications) {
        this.notifications = notifications;
    }

    @Override
    public String name() {
        return "notify";
    }

    @Override
    public boolean critical() {
        return false;
    }

    @Override
    public Result check() {
        Map<String, Object> channels = new LinkedHashMap<>();
        Status status = Status.UP;
        for (Channel ch : Channel.values()) {
            Map<String, Object> breakers = new LinkedHashMap<>();
            for (CircuitBreaker b : notifications.senders().get(ch).breakers()) {
                breakers.put(b.getName(), b.getState().name().toLowerCase(java.util.Locale.ROOT));
                if (b.getState() == CircuitBreaker.State.OPEN) {
                    status = Status.DEGRADED;
                }
            }
            channels.put(ch.label(), breakers);
        }
        return new Result(status, Map.of("breakers", channels));
    }
}
