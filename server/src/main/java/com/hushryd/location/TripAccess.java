package com.hushryd.location;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.hushryd.auth.Principal;
import com.hushryd.http.ApiException;
import com.hushryd.trips.TripService;
import com.hushryd.trips.TripStatus;
import com.hushryd.trips.TripState;
import io.vertx.core.WorkerExecutor;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Who may send or see a trip's locations, answered from a small cache so that the update path rarely touches the
 * database: the trip's driver and status (for {@code STATE_TTL}; dropped at once when the trip changes state on this
 * node), and confirmed passengers (for {@code PASSENGER_TTL}). So another node's trip transition takes effect here
 * within {@code STATE_TTL}.
 */
final class TripAccess {
    static final Duration STATE_TTL = Duration.ofSeconds(5);
    static final Duration PASSENGER_TTL = Duration.ofSeconds(60);

    private final TripService trips;
    private final WorkerExecutor workers;
    private final Cache<UUID, Optional<TripState>> states = Caffeine.newBuilder().maximumSize(200_000)
            .expireAfterWrite(STATE_TTL).build();
    private final Cache<String, Boolean> passengers = Caffeine.newBuilder().maximumSize(500_000)
            .expireAfterWrite(PASSENGER_TTL).build();

    TripAccess(TripService trips, WorkerExecutor workers) {
        this.trips = trips;
        this.workers = workers;
        trips.onTransition(t -> states.invalidate(t.id()));
    }

    private CompletionStage<Optional<TripState>> state(UUID tripId) {
        Optional<TripState> cached = states.getIfPresent(tripId);
        if (cached != null) {
            return CompletableFuture.completedFuture(cached);
        }
        return workers.executeBlocking(() -> {
            Optional<TripState> s = trips.state(tripId);
            states.put(tripId, s);
            return s;
        }, false).toCompletionStage();
    }

    /** Succeeds when the caller is the trip's driver and the trip is active; otherwise a 404, 403 or 409. */
    CompletionStage<TripState> requireActiveDriver(Principal p, UUID tripId) {
        return state(tripId).thenApply(s -> {
            TripState t = s.orElseThrow(() -> ApiException.notFound("trip"));
            if (!t.driverId().equals(p.userId())) {
                throw ApiException.forbidden("only the trip's driver sends its locations");
            }
            if (t.status() != TripStatus.ACTIVE) {
                throw ApiException.conflict("TRIP_NOT_ACTIVE", "locations are accepted only while the trip is active",
                        Map.of("status", t.status().json()));
            }
            return t;
        });
    }

    /** Succeeds for the trip's driver, its confirmed passengers and admins; a 404 for anyone else. */
    CompletionStage<TripState> requireViewer(Principal p, UUID tripId) {
        return state(tripId).thenCompose(s -> {
            TripState t = s.orElseThrow(() -> ApiException.notFound("trip"));
            if (p.isAdmin() || t.driverId().equals(p.userId())) {
                return CompletableFuture.completedFuture(t);
            }
            String key = tripId + "/" + p.userId();
            Boolean known = passengers.getIfPresent(key);
            CompletionStage<Boolean> isPassenger = known != null ? CompletableFuture.completedFuture(known)
                    : workers.executeBlocking(() -> {
                        boolean b = trips.isPassenger(tripId, p.userId());
                        passengers.put(key, b);
                        return b;
                    }, false).toCompletionStage();
            return isPassenger.thenApply(ok -> {
                if (!ok) {
                    throw ApiException.notFound("trip");
                }
                return t;
            });
        });
    }
}
