package com.hushryd.location;

import com.hushryd.realtime.RealtimeGateway;
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
    /** Completes with true if stored, false if an equal or newer location was already there; broadcasts nothing. */
    default CompletionStage<Boolean> put(Location location) {
        return write(location, null, null).thenApply(Written::stored);
    }

    /**
     * What a {@link #write} did: {@code stored} as the trip's latest location (false: an equal or newer one was
     * there), and whether it is {@code shared}: readable on every node, its broadcast sent to every node. A store that
     * cannot reach its shared backend keeps the location on this node only, sends the broadcast to this node's
     * sockets only, and says so.
     */
    record Written(boolean stored, boolean shared) {
    }

    /**
     * Stores the location as its trip's latest if it is newer than the stored one and, if and only if it did, sends
     * {@code broadcast} (its trip room's {@code location:update}, or null for none): the store decides how, so that
     * a shared store publishes it atomically with storing it (through the broker's
     * {@link RealtimeGateway.Prepared#publishLatest}) and a listener never sees an update older than one it saw.
     * {@code json} is the location already serialised (or null).
     */
    CompletionStage<Written> write(Location location, String json, RealtimeGateway.Prepared broadcast);

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
