package com.hushryd.location;

import com.hushryd.rooms.Room;
import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.auth.Principal;
import com.hushryd.auth.Role;
import com.hushryd.common.ApiException;
import com.hushryd.common.Validator;
import com.hushryd.common.Json;
import com.hushryd.realtime.RealtimeGateway;
import com.fasterxml.jackson.databind.util.RawValue;
import com.hushryd.realtime.SocketEvents;
import com.hushryd.trips.TripService;
import com.hushryd.users.UserService;
import io.vertx.core.WorkerExecutor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Live tracking: a trip's driver sends locations (socket or HTTP); each one newer than the stored one becomes the
 * trip's latest location, goes to room {@code trip:{id}} on every node, and joins the route history. Passengers with
 * a booking, the driver and admins may watch. Drivers who are online appear in the nearby search. The update path is
 * non-blocking end to end.
 */
public final class LocationService {
    public static final double MAX_SPEED_KMH = 400;
    public static final Duration MAX_FUTURE = Duration.ofSeconds(30);
    public static final Duration MAX_AGE = Duration.ofHours(24);
    public static final int MAX_BATCH = 500;
    /** Redis GEO cannot index latitudes beyond this. */
    static final double MAX_GEO_LAT = 85.05112878;
    private static final long GEO_REFRESH_EVERY_MS = 5_000;
    /** Updates waiting for the store at once on one node (about 0.2 s of the P-LOC target rate). */
    public static final int MAX_IN_FLIGHT = 10_000;

    private final LocationStore store;
    private final TripAccess access;
    private final RealtimeGateway gateway;
    private final LocationHistory history;
    private final UserService users;
    private final WorkerExecutor workers;
    private final LocationMetrics metrics;
    private final Clock clock;
    private final Duration ttl;
    private final ConcurrentHashMap<UUID, Long> lastGeoRefresh = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final List<java.util.function.Consumer<Location>> storedListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    public LocationService(LocationStore store, TripService trips, RealtimeGateway gateway, LocationHistory history,
            UserService users, WorkerExecutor workers, LocationMetrics metrics, Clock clock, Duration ttl) {
        this.store = store;
        this.access = new TripAccess(trips, workers);
        this.gateway = gateway;
        this.history = history;
        this.users = users;
        this.workers = workers;
        this.metrics = metrics;
        this.clock = clock;
        this.ttl = ttl;
    }

    /** Called with every update that became a trip's latest location (on the update's thread: must not block). */
    public void onStored(java.util.function.Consumer<Location> listener) {
        storedListeners.add(listener);
    }


    /** A location as sent for a known trip ({@code POST /trips/{id}/location}). */
    public record LocationInput(Double lat, Double lng, Double speed, Double heading, Double accuracy,
            JsonNode timestamp) {
    }

    /** A location naming its trip (socket {@code location:update}, batch items). */
    public record TripLocationInput(String tripId, Double lat, Double lng, Double speed, Double heading,
            Double accuracy, JsonNode timestamp) {
        LocationInput location() {
            return new LocationInput(lat, lng, speed, heading, accuracy, timestamp);
        }
    }

    public record BatchInput(List<TripLocationInput> updates) {
    }

    public record PointInput(Double lat, Double lng) {
    }

    /**
     * What an update did: stored as the latest, or older than what is stored (kept in the history only);
     * {@code degraded}: the shared store (Redis) was unreachable, so the location is kept and delivered on this node
     * only (it reaches the other nodes when Redis returns); the route history has it either way.
     */
    public record UpdateResult(UUID tripId, boolean stored, Instant timestamp, boolean degraded) {
    }

    /** A location as the {@code location:update} broadcast to its trip's room. */
    public static RealtimeGateway.Prepared broadcast(RealtimeGateway gateway, Location l, String json) {
        return gateway.prepare(Room.trip(l.tripId()).name(), "location:update", new RawValue(json));
    }

    public record BatchItem(int index, String tripId, String status, Map<String, Object> error) {
    }

    public record BatchResult(int stored, int stale, int rejected, List<BatchItem> results) {
    }

    public record NearbyView(UUID driverId, String name, double lat, double lng, double distanceKm,
            Instant lastSeen) {
    }

    public record Nearby(List<NearbyView> items) {
    }

    public record Availability(boolean online, Double lat, Double lng, Long expiresInSeconds) {
    }

    // ---- updates

    /** Validates, authorises, stores and broadcasts one update; the stage fails with an {@link ApiException}. */
    public CompletionStage<UpdateResult> update(Principal p, UUID tripId, LocationInput in) {
        return update(p, tripId, in, Runnable::run);
    }

    /**
     * Like {@link #update(Principal, UUID, LocationInput)}, finishing (history, broadcast, result) on
     * {@code continueOn}: a socket passes its own event loop, so that the store's I/O thread only reads replies.
     * Beyond {@link #MAX_IN_FLIGHT} updates waiting for the store, new ones are refused at once with a retryable
     * 503 rather than queued behind a store that is not keeping up.
     */
    public CompletionStage<UpdateResult> update(Principal p, UUID tripId, LocationInput in, Executor continueOn) {
        long arrived = System.nanoTime();
        Location draft;
        try {
            draft = validate(in, tripId, p.userId(), "");
        } catch (ApiException e) {
            metrics.update("rejected");
            return CompletableFuture.failedFuture(e);
        }
        if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
            inFlight.decrementAndGet();
            metrics.update("shed");
            return CompletableFuture.failedFuture(ApiException.unavailable("OVERLOADED",
                    "too many location updates in progress on this node; retry shortly", 1));
        }
        return access.requireActiveDriver(p, tripId).thenCompose(t -> {
            // serialised once: the same JSON is stored and broadcast; the store sends the broadcast if and only if it
            // stores the location (with Redis, through the broker, in the same round trip)
            String json = Json.write(draft);
            return store.write(draft, json, broadcast(gateway, draft, json).deliveringOn(continueOn));
        }).whenComplete((r, e) -> inFlight.decrementAndGet()).thenApplyAsync(written -> {
            boolean stored = written.stored();
            boolean shared = written.shared();
            history.record(draft);
            if (stored) {
                metrics.fanout(System.nanoTime() - arrived);
                refreshGeo(draft);
                for (java.util.function.Consumer<Location> l : storedListeners) {
                    l.accept(draft);
                }
            }
            metrics.update(!stored ? "stale" : shared ? "stored" : "stored_local");
            return new UpdateResult(tripId, stored, draft.timestamp(), !shared);
        }, continueOn).whenComplete((r, e) -> {
            if (e != null) {
                metrics.update("rejected");
            }
        });
    }

    /** Keeps an online driver's position in the nearby index fresh, at most every few seconds per driver. */
    private void refreshGeo(Location l) {
        long now = clock.millis();
        Long last = lastGeoRefresh.get(l.driverId());
        if ((last == null || now - last >= GEO_REFRESH_EVERY_MS) && Math.abs(l.lat()) <= MAX_GEO_LAT) {
            lastGeoRefresh.put(l.driverId(), now);
            store.refresh(l.driverId(), l.lat(), l.lng());
        }
    }

    /** Many updates at once (e.g. a phone flushing what it queued offline); each item succeeds or fails alone. */
    public CompletionStage<BatchResult> batch(Principal p, BatchInput in) {
        if (in.updates() == null) {
            return CompletableFuture.failedFuture(ApiException.invalid("updates", "is required"));
        }
        if (in.updates().isEmpty() || in.updates().size() > MAX_BATCH) {
            return CompletableFuture.failedFuture(ApiException.invalid("updates",
                    "must hold 1 to " + MAX_BATCH + " updates"));
        }
        // one after another, in the order sent: a phone flushing its queue sends oldest first, and each becomes the
        // latest in turn (concurrently, a newer one could land first and make the older ones stale)
        List<CompletableFuture<BatchItem>> items = new ArrayList<>();
        CompletableFuture<?> previous = CompletableFuture.completedFuture(null);
        for (int i = 0; i < in.updates().size(); i++) {
            int index = i;
            TripLocationInput u = in.updates().get(i);
            if (u == null) {
                items.add(CompletableFuture.completedFuture(error(index, null,
                        ApiException.invalid("updates[" + i + "]", "must be an object"))));
                continue;
            }
            UUID tripId;
            try {
                tripId = tripId("updates[" + i + "].tripId", u.tripId());
            } catch (ApiException e) {
                items.add(CompletableFuture.completedFuture(error(index, u.tripId(), e)));
                continue;
            }
            CompletableFuture<BatchItem> item = previous.handle((x, e) -> null)
                    .thenCompose(x -> update(p, tripId, u.location()).toCompletableFuture())
                    .handle((r, e) -> e == null
                            ? new BatchItem(index, u.tripId(), r.stored() ? "stored" : "stale", null)
                            : error(index, u.tripId(), e));
            items.add(item);
            previous = item;
        }
        return CompletableFuture.allOf(items.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<BatchItem> results = items.stream().map(CompletableFuture::join).toList();
            int stored = (int) results.stream().filter(r -> r.status().equals("stored")).count();
            int stale = (int) results.stream().filter(r -> r.status().equals("stale")).count();
            return new BatchResult(stored, stale, results.size() - stored - stale, results);
        });
    }

    private static BatchItem error(int index, String tripId, Throwable failure) {
        ApiException e = com.hushryd.common.Errors.classify(failure);
        if (e == null) {
            e = com.hushryd.common.Errors.internal();
        }
        return new BatchItem(index, tripId, "rejected", com.hushryd.common.Errors.body(e));
    }

    static UUID tripId(String field, String value) {
        return Validator.requireUuid(field, value);
    }

    private Location validate(LocationInput in, UUID tripId, UUID driverId, String prefix) {
        Validator v = new Validator();
        Double lat = v.number(prefix + "lat", in.lat(), -90, 90, true);
        Double lng = v.number(prefix + "lng", in.lng(), -180, 180, true);
        Double speed = v.number(prefix + "speed", in.speed(), 0, MAX_SPEED_KMH, false);
        Double heading = v.number(prefix + "heading", in.heading(), 0, 360, false);
        Double accuracy = v.number(prefix + "accuracy", in.accuracy(), 0, 100_000, false);
        if (heading != null && heading == 360) {
            heading = 0.0;
        }
        Instant ts = timestamp(v, prefix + "timestamp", in.timestamp());
        v.throwIfInvalid();
        return new Location(tripId, driverId, lat, lng, speed, heading, accuracy, ts);
    }

    private Instant timestamp(Validator v, String field, JsonNode value) {
        return timestamp(v, field, value, clock.instant());
    }

    /**
     * A location's time: epoch milliseconds or an ISO-8601 date-time with offset; absent means {@code now}. Not in the
     * future (beyond {@link #MAX_FUTURE} of clock skew), not older than a day; failures go to {@code v}.
     */
    public static Instant timestamp(Validator v, String field, JsonNode value, Instant now) {
        if (value == null || value.isNull()) {
            return now.truncatedTo(ChronoUnit.MILLIS);
        }
        Instant t;
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            t = Instant.ofEpochMilli(value.asLong());
        } else if (value.isTextual()) {
            try {
                t = OffsetDateTime.parse(value.asText()).toInstant();
            } catch (DateTimeParseException e) {
                v.fail(field, "must be epoch milliseconds or an ISO-8601 date-time with offset");
                return null;
            }
        } else {
            v.fail(field, "must be epoch milliseconds or an ISO-8601 date-time with offset");
            return null;
        }
        if (t.isAfter(now.plus(MAX_FUTURE))) {
            v.fail(field, "must not be in the future");
        } else if (t.isBefore(now.minus(MAX_AGE))) {
            v.fail(field, "must be within the last 24 hours");
        }
        return t.truncatedTo(ChronoUnit.MILLIS);
    }

    // ---- watching

    /** The trip's latest location for someone allowed to see it (empty when none in the last TTL). */
    public CompletionStage<Optional<Location>> latest(Principal p, UUID tripId) {
        return access.requireViewer(p, tripId).thenCompose(t -> store.latest(tripId));
    }

    /**
     * Subscribes a socket to a trip's updates: authorises, joins {@code trip:{id}} and then reads the latest
     * location, so that an update arriving meanwhile is never missed (at worst seen twice).
     */
    public CompletionStage<Map<String, Object>> subscribe(SocketEvents.SocketCaller caller, UUID tripId) {
        return access.requireViewer(caller.user(), tripId).thenCompose(t -> {
            CompletableFuture<Void> joined = new CompletableFuture<>();
            caller.thread().execute(() -> {
                caller.join(Room.trip(tripId));
                joined.complete(null);
            });
            return joined.thenCompose(v -> store.latest(tripId));
        }).thenApply(latest -> {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("tripId", tripId);
            data.put("location", latest.orElse(null));
            return data;
        });
    }

    public Map<String, Object> unsubscribe(SocketEvents.SocketCaller caller, UUID tripId) {
        caller.leave(Room.trip(tripId));
        return Map.of("tripId", tripId);
    }

    // ---- availability and nearby search

    public CompletionStage<Availability> online(Principal p, PointInput in) {
        if (p.role() != Role.DRIVER) {
            return CompletableFuture.failedFuture(ApiException.forbidden("only drivers go online"));
        }
        Validator v = new Validator();
        Double lat = v.number("lat", in.lat(), -MAX_GEO_LAT, MAX_GEO_LAT, true);
        Double lng = v.number("lng", in.lng(), -180, 180, true);
        try {
            v.throwIfInvalid();
        } catch (ApiException e) {
            return CompletableFuture.failedFuture(e);
        }
        lastGeoRefresh.put(p.userId(), clock.millis());
        return store.available(p.userId(), lat, lng).thenApply(x -> new Availability(true, lat, lng, ttl.toSeconds()));
    }

    public CompletionStage<Availability> offline(Principal p) {
        if (p.role() != Role.DRIVER) {
            return CompletableFuture.failedFuture(ApiException.forbidden("only drivers go offline"));
        }
        lastGeoRefresh.remove(p.userId());
        return store.unavailable(p.userId()).thenApply(x -> new Availability(false, null, null, null));
    }

    /** Available drivers near a point, nearest first, with their names. Blocking: call from a worker thread. */
    public Nearby nearby(double lat, double lng, double radiusKm, int limit) throws Exception {
        List<NearbyDriver> found = store.nearby(lat, lng, radiusKm, limit).toCompletableFuture()
                .get(5, java.util.concurrent.TimeUnit.SECONDS);
        Map<UUID, String> names = users.names(found.stream().map(NearbyDriver::driverId).toList());
        return new Nearby(found.stream().map(d -> new NearbyView(d.driverId(), names.get(d.driverId()), d.lat(),
                d.lng(), Math.round(d.distanceKm() * 1000) / 1000.0, d.lastSeen())).toList());
    }

    // ---- history

    public LocationHistory.Route route(Principal p, UUID tripId, String cursor, int limit) throws Exception {
        access.requireViewer(p, tripId).toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        return history.route(tripId, cursor, limit);
    }

    public LocationHistory history() {
        return history;
    }

    public WorkerExecutor workers() {
        return workers;
    }

}
