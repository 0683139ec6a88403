package com.hushryd.location;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * The latest location of each tracked trip, and the geo index of available drivers, shared by all nodes.
 *
 * <p>Latest locations expire {@code ttl} after their last update. {@link #put} keeps a location only if it is newer
 * than the stored one (by {@link Location#timestamp()}), so a late or replayed update never overwrites a fresher one;
 * once its stage completes, {@link #latest} on any node returns it (or something newer). Drivers stay in the geo index
 * while they keep refreshing it and drop out {@code ttl} after their last refresh.
 *
 * <p>Thread-safe and non-blocking: every method returns at once; stages complete on the backend's threads and fail
 * when the backend is unreachable.
 */
public interface LocationStore extends AutoCloseable {
    /** Completes with true if stored, false if an equal or newer location was already there. */
    default CompletionStage<Boolean> put(Location location) {
        return put(location, null, null);
    }

    /**
     * Like {@link #put(Location)}, with the location already serialised as JSON ({@code json}, or null) and, when the
     * store {@link #publishes()}, a broker message to publish if and only if the location is stored, atomically with
     * storing it ({@code publish}, or null).
     */
    CompletionStage<Boolean> put(Location location, String json, com.hushryd.realtime.Broker.RemoteMessage publish);

    /** Whether {@link #put(Location, String, com.hushryd.realtime.Broker.RemoteMessage)} can publish. */
    default boolean publishes() {
        return false;
    }

    /**
     * What a {@link #write} did: {@code stored} as the trip's latest location (false: an equal or newer one was
     * there), and whether it is {@code shared}: readable on every node, its message published when one was given. A
     * store that cannot reach its shared backend keeps the location on this node only and says so.
     */
    record Written(boolean stored, boolean shared) {
    }

    /** Like {@link #put(Location, String, com.hushryd.realtime.Broker.RemoteMessage)}, saying where it was kept. */
    default CompletionStage<Written> write(Location location, String json,
            com.hushryd.realtime.Broker.RemoteMessage publish) {
        return put(location, json, publish).thenApply(stored -> new Written(stored, true));
    }

    /** Whether the backend can be reached now (an in-process one always can). */
    default boolean reachable() {
        return true;
    }

    /**
     * Runs {@code onReturn} each time the backend is reachable again after it was not (on a backend thread: it must
     * not block); never for a backend that is always reachable.
     */
    default void onReturn(Runnable onReturn) {
    }

    CompletionStage<Optional<Location>> latest(UUID tripId);

    /** Puts the driver into the geo index (or moves them) as available now. */
    CompletionStage<Void> available(UUID driverId, double lat, double lng);

    /** Moves a driver already in the index; completes with false if they are not (offline or expired). */
    CompletionStage<Boolean> refresh(UUID driverId, double lat, double lng);

    CompletionStage<Void> unavailable(UUID driverId);

    /** Available drivers within {@code radiusKm}, nearest first, at most {@code limit}. */
    CompletionStage<List<NearbyDriver>> nearby(double lat, double lng, double radiusKm, int limit);

    /** Backend name for logs and health. */
    String name();

    @Override
    void close();
}
