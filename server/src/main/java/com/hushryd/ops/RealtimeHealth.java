package com.hushryd.ops;

import com.hushryd.realtime.RealtimeGateway;
import java.util.LinkedHashMap;
import java.util.Map;

/** The realtime gateway: connections on this node and whether its broker reaches the other nodes. */
public final class RealtimeHealth implements HealthCheck {
    private final RealtimeGateway gateway;

    public RealtimeHealth(RealtimeGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public String name() {
        return "realtime";
    }

    @Override
    public boolean critical() {
        return false;
    }

    @Override
    public Result check() {
        RealtimeGateway.ConnectionStats s = gateway.connectionStats();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("broker", s.broker());
        d.put("brokerConnected", s.brokerConnected());
        d.put("connections", s.connections());
        d.put("webSockets", s.webSockets());
        d.put("sockets", s.sockets());
        d.put("rooms", s.rooms());
        d.put("brokerDropped", s.brokerDropped());
        d.put("brokerHeld", s.brokerHeld());
        return new Result(s.brokerConnected() ? Status.UP : Status.DEGRADED, d);
    }
}
