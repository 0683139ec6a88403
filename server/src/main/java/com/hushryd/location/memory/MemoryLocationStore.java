package com.hushryd.location.memory;

import com.hushryd.location.Geo;
import com.hushryd.location.Location;
import com.hushryd.location.LocalLocationStore;
import com.hushryd.location.NearbyDriver;
import com.hushryd.realtime.RealtimeGateway;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** Latest locations and available drivers of a single node, with the same rules as the Redis store. */
public final class MemoryLocationStore implements LocalLocationStore {
    private record Stored(Location location, long expiresAt) {
    }

    private record Driver(double lat, double lng, long seenAt) {
    }

    private final ConcurrentHashMap<UUID, Stored> latest = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UUID, Driver> drivers = new ConcurrentHashMap<>();
    /** Expired locations of trips nobody reads any more are removed every this many puts. */
    private static final int SWEEP_EVERY = 10_000;
    private final java.util.concurrent.atomic.AtomicLong puts = new java.util.concurrent.atomic.AtomicLong();
    private final Duration ttl;
    private final Clock clock;

    public MemoryLocationStore(Duration ttl, Clock clock) {
        this.ttl = ttl;
        this.clock = clock;
    }

    /** Stores it and, when stored, sends the broadcast to every node (this process's store is not shared with them). */
    @Override
    public CompletionStage<Written> write(Location l, String json, RealtimeGateway.Prepared broadcast) {
        boolean stored = store(l);
        if (stored && broadcast != null) {
            broadcast.deliver();
        }
        return CompletableFuture.completedFuture(new Written(stored, true));
    }

    @Override
    public CompletionStage<Boolean> put(Location l) {
        return CompletableFuture.completedFuture(store(l));
    }

    private boolean store(Location l) {
        long now = clock.millis();
        if (puts.incrementAndGet() % SWEEP_EVERY == 0) {
            latest.values().removeIf(cur -> cur.expiresAt() <= now);
        }
        boolean[] stored = {false};
        latest.compute(l.tripId(), (id, cur) -> {
            if (cur != null && cur.expiresAt() > now && !cur.location().timestamp().isBefore(l.timestamp())) {
                return cur;
            }
            stored[0] = true;
            return new Stored(l, now + ttl.toMillis());
        });
        return stored[0];
    }

    @Override
    public CompletionStage<Optional<Location>> latest(UUID tripId) {
        Stored s = latest.get(tripId);
        if (s != null && s.expiresAt() <= clock.millis()) {
            latest.remove(tripId, s);
            s = null;
        }
        return CompletableFuture.completedFuture(Optional.ofNullable(s).map(Stored::location));
    }

    @Override
    public CompletionStage<Void> available(UUID driverId, double lat, double lng) {
        drivers.put(driverId, new Driver(lat, lng, clock.millis()));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Boolean> refresh(UUID driverId, double lat, double lng) {
        long now = clock.millis();
        Driver d = drivers.computeIfPresent(driverId, (id, cur) -> cur.seenAt() + ttl.toMillis() > now
                ? new Driver(lat, lng, now) : null);
        return CompletableFuture.completedFuture(d != null);
    }

    @Override
    public CompletionStage<Void> unavailable(UUID driverId) {
        drivers.remove(driverId);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<List<NearbyDriver>> nearby(double lat, double lng, double radiusKm, int limit) {
        long cutoff = clock.millis() - ttl.toMillis();
        List<NearbyDriver> found = new ArrayList<>();
        drivers.forEach((id, d) -> {
            if (d.seenAt() <= cutoff) {
                drivers.remove(id, d);
                return;
            }
            double km = Geo.distanceKm(lat, lng, d.lat(), d.lng());
            if (km <= radiusKm) {
                found.add(new NearbyDriver(id, d.lat(), d.lng(), km, Instant.ofEpochMilli(d.seenAt())));
            }
        });
        found.sort(Comparator.comparingDouble(NearbyDriver::distanceKm));
        return CompletableFuture.completedFuture(List.copyOf(found.subList(0, Math.min(limit, found.size()))));
    }

    @Override
    public void forEachLatest(java.util.function.Consumer<Location> action) {
        long now = clock.millis();
        latest.values().forEach(s -> {
            if (s.expiresAt() > now) {
                action.accept(s.location());
            }
        });
    }

    @Override
    public Optional<NearbyDriver> driver(UUID driverId) {
        Driver d = drivers.get(driverId);
        if (d == null || d.seenAt() + ttl.toMillis() <= clock.millis()) {
            return Optional.empty();
        }
        return Optional.of(new NearbyDriver(driverId, d.lat(), d.lng(), 0, Instant.ofEpochMilli(d.seenAt())));
    }

    @Override
    public String name() {
        return "in-process";
    }

    @Override
    public void close() {
    }
}
