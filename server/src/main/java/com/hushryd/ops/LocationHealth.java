package com.hushryd.ops;

import com.hushryd.location.LocationHistory;
import java.util.LinkedHashMap;
import java.util.Map;

/** Location tracking: the store's backend and the route-history buffer (depth, written, dropped). */
public final class LocationHealth implements HealthCheck {
    private final String backend;
    private final LocationHistory history;

    public LocationHealth(String backend, LocationHistory history) {
        this.backend = backend;
        this.history = history;
    }

    @Override
    public String name() {
        return "location";
    }

    @Override
    public boolean critical() {
        return false;
    }

    @Override
    public Result check() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("store", backend);
        d.put("historyBuffered", history.depth());
        d.put("historyWritten", history.written());
        d.put("historyDropped", history.dropped());
        return Result.up(d);
    }
}
