package com.hushryd.location;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.hushryd.auth.Principal;
import com.hushryd.common.ApiException;
import com.hushryd.store.Database;
import com.hushryd.trips.TripService;
import com.hushryd.trips.TripStatus;
import com.hushryd.trips.TripState;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
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
 * node), and confirmed passengers (for {@code PASSENGER_TTL}). An update is never refused on a cached "not active":
 * that answer is re-read from PostgreSQL when older than {@code RECHECK_AFTER}, so a trip started on any node takes
 * location updates within that time (at once on the node that started it); a trip completed on another node stops
 * taking them within {@code STATE_TTL}. A load that overlaps a transition of the same trip on this node is not kept
 * (it may predate the commit); a transition on this node records the trip's new state at once.
 *
 * <p>While PostgreSQL is unreachable (its breaker open, connections refused), the last state and passenger answer this
 * node read within {@code LAST_KNOWN_TTL} stand in for a fresh read, so live tracking of trips already under way goes
 * on through a database outage (issue 13), including a trip last seen scheduled (it may have started on another node);
 * a trip never seen by this node is refused as before (503).
 */
final class TripAccess {
    static final Duration STATE_TTL = Duration.ofSeconds(5);
    static final Duration PASSENGER_TTL = Duration.ofSeconds(60);
    static final Duration LAST_KNOWN_TTL = Duration.ofHours(1);

    private final TripService trips;
    private final WorkerExecutor workers;
    static final Duration RECHECK_AFTER = Duration.ofMillis(500);

    private record Cached(Optional<TripState> state, long loadedAt) {
    }

    private final Cache<UUID, Cached> states = Caffeine.newBuilder().maximumSize(200_000)
            .expireAfterWrite(STATE_TTL).build();
    /**
     * When each trip last changed state on this node ({@link System#nanoTime()}): a load of that trip that began
     * before it may be stale and is not kept. Per trip, so that a busy node (many trips starting and ending) still
     * keeps what it reads: the last known states must stay fresh for a database outage.
     */
    private final Cache<UUID, Long> transitionedAt = Caffeine.newBuilder().maximumSize(200_000)
            .expireAfterWrite(Duration.ofMinutes(1)).build();
    private final Cache<String, Boolean> passengers = Caffeine.newBuilder().maximumSize(500_000)
            .expireAfterWrite(PASSENGER_TTL).build();
    /** The last answers read, kept longer: used only while the database cannot be read. */
    private final Cache<UUID, Optional<TripState>> lastStates = Caffeine.newBuilder().maximumSize(200_000)
            .expireAfterWrite(LAST_KNOWN_TTL).build();
    private final Cache<String, Boolean> lastPassengers = Caffeine.newBuilder().maximumSize(500_000)
            .expireAfterWrite(LAST_KNOWN_TTL).build();

    TripAccess(TripService trips, WorkerExecutor workers) {
        this.trips = trips;
        this.workers = workers;
        trips.onTransition(t -> {
            transitionedAt.put(t.id(), System.nanoTime());
            states.invalidate(t.id());
            lastStates.put(t.id(), Optional.of(new TripState(t.id(), t.driverId(), t.status(), t.seatsAvailable())));
        });
    }

    private CompletionStage<Optional<TripState>> state(UUID tripId) {
        return state(tripId, false);
    }

    /** The cached state, or a fresh one; {@code unlessInactive}: a cached state that is not active and older than
     *  {@code RECHECK_AFTER} is read again. */
    private CompletionStage<Optional<TripState>> state(UUID tripId, boolean unlessInactive) {
        Cached cached = states.getIfPresent(tripId);
        if (cached != null && !(unlessInactive && !active(cached.state())
                && System.nanoTime() - cached.loadedAt() > RECHECK_AFTER.toNanos())) {
            return CompletableFuture.completedFuture(cached.state());
        }
        return workers.executeBlocking(() -> {
            long at = System.nanoTime();
            Optional<TripState> s;
            try {
                s = trips.state(tripId);
            } catch (Exception e) {
                return maybeStarted(lastKnown(lastStates.getIfPresent(tripId), e));
            }
            Long changed = transitionedAt.getIfPresent(tripId);
            if (changed == null || changed - at < 0) {
                states.put(tripId, new Cached(s, at));
                lastStates.put(tripId, s);
            }
            return s;
        }, false).toCompletionStage();
    }

    /** {@code last} when {@code failure} means the database cannot be reached and there is one; else the failure. */
    private static <T> T lastKnown(T last, Exception failure) throws Exception {
        if (last != null && (failure instanceof CallNotPermittedException || Database.unavailable(failure))) {
            return last;
        }
        throw failure;
    }

    /**
     * A last known "scheduled" while the database cannot be read: the trip may have been started on another node
     * since (its driver's socket is here, the start went elsewhere), so its driver's updates are taken rather than
     * refused 409; a completed or cancelled trip stays refused. Only for access: nothing of it is cached.
     */
    private static Optional<TripState> maybeStarted(Optional<TripState> last) {
        return last.map(t -> t.status() != TripStatus.SCHEDULED ? t
                : new TripState(t.id(), t.driverId(), TripStatus.ACTIVE, t.seatsAvailable()));
    }

    private static boolean active(Optional<TripState> s) {
        return s.isPresent() && s.get().status() == TripStatus.ACTIVE;
    }

    /** Succeeds when the caller is the trip's driver and the trip is active; otherwise a 404, 403 or 409. */
    CompletionStage<TripState> requireActiveDriver(Principal p, UUID tripId) {
        return state(tripId, true).thenApply(s -> {
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
                        boolean b;
                        try {
                            b = trips.isPassenger(tripId, p.userId());
                        } catch (Exception e) {
                            return lastKnown(lastPassengers.getIfPresent(key), e);
                        }
                        passengers.put(key, b);
                        lastPassengers.put(key, b);
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
