package com.hushryd.location;

import com.hushryd.common.Json;
import com.hushryd.realtime.RealtimeGateway;
import com.hushryd.store.RedisConnector;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared store (Redis) with this node's own copy as the fallback, so that tracking survives a Redis outage
 * (decision 0016). Every write also goes to the node's copy; while the shared store cannot be used (its connection is
 * down, or a call fails: no answer in time, or Redis refusing, e.g. still loading after a restart), writes and reads
 * are served by the copy alone and say so ({@link Written#shared()} false): the location is kept and readable on this
 * node, and its broadcast goes to this node's sockets only. When the shared store is back, each location kept only here
 * is written to it, newest wins (the store's own timestamp rule), and published to the other nodes' subscribers;
 * drivers who went online or offline meanwhile are written back too. So are, unpublished, the other latest locations
 * this node has seen (a Redis restarted empty has lost them; where Redis still has them, or newer ones, the timestamp
 * rule leaves them be). Nothing here waits for Redis: each decision is per call.
 */
public final class FailoverLocationStore implements LocationStore {
    private static final Logger log = LoggerFactory.getLogger(FailoverLocationStore.class);

    private final LocationStore shared;
    private final LocalLocationStore local;
    private final Function<Location, RealtimeGateway.Prepared> announce;
    private final Executor settled;
    /** Trips whose latest location is kept only on this node. */
    private final Set<UUID> unsharedTrips = ConcurrentHashMap.newKeySet();
    /** Drivers who went online, moved or offline while the shared store could not be told. */
    private final Set<UUID> unsharedDrivers = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean degraded = new AtomicBoolean();
    private final AtomicBoolean writeBackScheduled = new AtomicBoolean();
    private final AtomicLong keptLocally = new AtomicLong();

    /**
     * @param announce the broadcast that tells the other nodes' subscribers about a location written back (not this
     *                 node's: they had it when it was kept here)
     */
    public FailoverLocationStore(LocationStore shared, LocalLocationStore local,
            Function<Location, RealtimeGateway.Prepared> announce) {
        this(shared, local, announce, CompletableFuture.delayedExecutor(RedisConnector.SETTLE.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS));
    }

    FailoverLocationStore(LocationStore shared, LocalLocationStore local,
            Function<Location, RealtimeGateway.Prepared> announce, Executor settled) {
        this.shared = shared;
        this.local = local;
        this.announce = announce;
        this.settled = settled;
        shared.onReturn(this::scheduleWriteBack);
    }

    @Override
    public CompletionStage<Written> write(Location l, String json, RealtimeGateway.Prepared broadcast) {
        if (!shared.reachable()) {
            return CompletableFuture.completedFuture(keepLocally(l, broadcast));
        }
        CompletableFuture<Written> out = new CompletableFuture<>();
        shared.write(l, json, broadcast).whenComplete((w, e) -> {
            if (e == null) {
                local.put(l);
                recovered();
                out.complete(w);
            } else if (RedisConnector.redisFailure(e)) {
                out.complete(keepLocally(l, broadcast));
            } else {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    /** Keeps it on this node, whose sockets get its broadcast now (the other nodes' when it is written back). */
    private Written keepLocally(Location l, RealtimeGateway.Prepared broadcast) {
        boolean stored = local.put(l).toCompletableFuture().join();
        if (stored && broadcast != null) {
            broadcast.deliverOnThisNode();
        }
        unsharedTrips.add(l.tripId());
        keptLocally.incrementAndGet();
        if (degraded.compareAndSet(false, true)) {
            log.warn("location: {} is unreachable; latest locations are kept on this node and delivered to its own "
                    + "sockets until it returns", shared.name());
        }
        return new Written(stored, false);
    }

    /** A shared call succeeded: if anything was kept only here, it goes back now (the connection may not have dropped). */
    private void recovered() {
        if (!unsharedTrips.isEmpty() || !unsharedDrivers.isEmpty()) {
            scheduleWriteBack();
        }
    }

    private void scheduleWriteBack() {
        if (writeBackScheduled.compareAndSet(false, true)) {
            settled.execute(() -> {
                writeBackScheduled.set(false);
                writeBack();
            });
        }
    }

    /** Writes what was kept only here to the shared store; what fails stays for the next attempt. */
    void writeBack() {
        if (!shared.reachable()) {
            return;
        }
        // what Redis may have lost (restarted empty): restored, not announced (nothing new happened)
        local.forEachLatest(l -> {
            if (!unsharedTrips.contains(l.tripId())) {
                shared.put(l);
            }
        });
        int trips = 0;
        for (UUID tripId : unsharedTrips) {
            unsharedTrips.remove(tripId);
            Optional<Location> kept = local.latest(tripId).toCompletableFuture().join();
            if (kept.isEmpty()) {
                continue; // expired: nothing worth sharing
            }
            trips++;
            Location l = kept.get();
            shared.write(l, Json.write(l), announce.apply(l)).whenComplete((s, e) -> {
                if (e != null) {
                    unsharedTrips.add(tripId);
                }
            });
        }
        int drivers = 0;
        for (UUID driverId : unsharedDrivers) {
            unsharedDrivers.remove(driverId);
            drivers++;
            Optional<NearbyDriver> d = local.driver(driverId);
            CompletionStage<?> done = d.isPresent() ? shared.available(driverId, d.get().lat(), d.get().lng())
                    : shared.unavailable(driverId);
            done.whenComplete((s, e) -> {
                if (e != null) {
                    unsharedDrivers.add(driverId);
                }
            });
        }
        if (degraded.compareAndSet(true, false) || trips + drivers > 0) {
            log.info("location: {} is back; {} latest location(s) and {} driver(s) kept on this node written back "
                    + "(newest wins)", shared.name(), trips, drivers);
        }
    }

    @Override
    public CompletionStage<Optional<Location>> latest(UUID tripId) {
        if (unsharedTrips.contains(tripId) || !shared.reachable()) {
            return local.latest(tripId);
        }
        return orLocal(shared.latest(tripId), () -> local.latest(tripId));
    }

    @Override
    public CompletionStage<Void> available(UUID driverId, double lat, double lng) {
        local.available(driverId, lat, lng);
        return driver(driverId, shared.reachable() ? shared.available(driverId, lat, lng) : null, null);
    }

    @Override
    public CompletionStage<Boolean> refresh(UUID driverId, double lat, double lng) {
        boolean here = local.refresh(driverId, lat, lng).toCompletableFuture().join();
        return driver(driverId, shared.reachable() ? shared.refresh(driverId, lat, lng) : null, here);
    }

    @Override
    public CompletionStage<Void> unavailable(UUID driverId) {
        local.unavailable(driverId);
        return driver(driverId, shared.reachable() ? shared.unavailable(driverId) : null, null);
    }

    /** A driver change sent to the shared store ({@code call}, null when unreachable), kept for later if it failed. */
    private <T> CompletionStage<T> driver(UUID driverId, CompletionStage<T> call, T fallback) {
        if (call == null) {
            unsharedDrivers.add(driverId);
            return CompletableFuture.completedFuture(fallback);
        }
        CompletableFuture<T> out = new CompletableFuture<>();
        call.whenComplete((r, e) -> {
            if (e == null) {
                recovered();
                out.complete(r);
            } else if (RedisConnector.redisFailure(e)) {
                unsharedDrivers.add(driverId);
                out.complete(fallback);
            } else {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    @Override
    public CompletionStage<List<NearbyDriver>> nearby(double lat, double lng, double radiusKm, int limit) {
        if (!shared.reachable()) {
            return local.nearby(lat, lng, radiusKm, limit);
        }
        return orLocal(shared.nearby(lat, lng, radiusKm, limit), () -> local.nearby(lat, lng, radiusKm, limit));
    }

    private static <T> CompletionStage<T> orLocal(CompletionStage<T> call,
            java.util.function.Supplier<CompletionStage<T>> local) {
        CompletableFuture<T> out = new CompletableFuture<>();
        call.whenComplete((r, e) -> {
            if (e == null) {
                out.complete(r);
            } else if (RedisConnector.redisFailure(e)) {
                local.get().whenComplete((r2, e2) -> {
                    if (e2 == null) {
                        out.complete(r2);
                    } else {
                        out.completeExceptionally(e2);
                    }
                });
            } else {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    /** Locations kept on this node only because the shared store was unreachable, since start. */
    public long keptLocally() {
        return keptLocally.get();
    }

    @Override
    public boolean reachable() {
        return shared.reachable();
    }

    @Override
    public void onReturn(Runnable onReturn) {
        shared.onReturn(onReturn);
    }

    @Override
    public String name() {
        return shared.name();
    }

    @Override
    public void close() {
        shared.close();
        local.close();
    }
}
