package com.hushryd.share;

import com.hushryd.auth.Principal;
import com.hushryd.common.ApiException;
import com.hushryd.location.Location;
import com.hushryd.protect.ratelimit.Decision;
import com.hushryd.protect.ratelimit.Limit;
import com.hushryd.protect.ratelimit.RateLimiter;
import com.hushryd.share.ShareStore.Shared;
import com.hushryd.store.Database;
import com.hushryd.store.Jdbc;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Share my trip: a rider of a trip creates a read-only link to its live state for people without an account (also sent
 * to the emergency contacts of an SOS raised on the trip). A link shows the live position while the trip is active,
 * the driver's first name, the trip's status and its cities; no id, phone number or other trip is reachable from it.
 * It ends when revoked, {@code SHARE_TTL_AFTER_END} after the trip is over, or 24 h after it was made; then it answers
 * 410. Requests per link are limited ({@code SHARE_RATE_LIMIT}, shared by the nodes through Redis when configured).
 * Blocking: call from worker threads.
 */
public final class ShareService {
    private final Database db;
    private final ShareLinks links;
    private final Function<UUID, CompletionStage<Optional<Location>>> latest;
    private final RateLimiter limiter;
    private final Limit limit;
    private final Duration afterEnd;
    private final Clock clock;

    /** A new link. {@code expiresAt} is the latest it may live; it ends earlier once the trip is over. */
    public record Created(UUID id, String token, String url, Instant expiresAt, long validAfterTripEndSeconds) {
    }

    /** What the public page shows. */
    public record View(TripView trip, DriverView driver, Object vehicle, LocationView location, Instant expiresAt,
            int refreshSeconds) {
    }

    /** The trip as a viewer sees it: no id. */
    public record TripView(String status, String from, String to, Instant departureTime, Instant startedAt,
            Instant endedAt) {
    }

    /** The driver as a viewer sees them: a first name only. */
    public record DriverView(String firstName) {
    }

    /** The live position (only while the trip is active). */
    public record LocationView(double lat, double lng, Double speed, Double heading, Instant timestamp) {
    }

    public ShareService(Database db, ShareLinks links, Function<UUID, CompletionStage<Optional<Location>>> latest,
            RateLimiter limiter, Limit limit, Duration afterEnd, Clock clock) {
        this.db = db;
        this.links = links;
        this.latest = latest;
        this.limiter = limiter;
        this.limit = limit;
        this.afterEnd = afterEnd;
        this.clock = clock;
    }

    public ShareLinks links() {
        return links;
    }

    /** {@code POST /trips/{id}/shares}: the trip's passengers only, while it is scheduled or active. */
    public Created create(Principal p, UUID tripId) throws SQLException {
        Instant now = clock.instant();
        UUID id = db.tx(c -> {
            record Row(UUID driverId, String status, boolean passenger) {
            }
            Row trip = Jdbc.one(c, "SELECT t.driver_id, t.status, EXISTS (SELECT 1 FROM bookings b WHERE b.trip_id = "
                    + "t.id AND b.passenger_id = ? AND b.status = 'confirmed') AS passenger FROM trips t WHERE t.id = ?",
                    rs -> new Row(Jdbc.uuid(rs, "driver_id"), rs.getString("status"), rs.getBoolean("passenger")),
                    p.userId(), tripId).orElseThrow(() -> ApiException.notFound("trip"));
            if (!trip.passenger()) {
                if (trip.driverId().equals(p.userId())) {
                    throw ApiException.forbidden("only the trip's riders share it");
                }
                throw ApiException.notFound("trip");
            }
            if (!trip.status().equals("scheduled") && !trip.status().equals("active")) {
                throw ApiException.conflict("TRIP_NOT_SHAREABLE", "the trip is over",
                        Map.of("status", trip.status()));
            }
            return ShareStore.create(c, tripId, p.userId(), "rider", now);
        });
        return new Created(id, links.token(id), links.url(id), now.plus(ShareStore.MAX_LIFE), afterEnd.toSeconds());
    }

    /** {@code DELETE /trips/{id}/shares/{shareId}}: its creator (or an admin) ends the link at once. */
    public void revoke(Principal p, UUID tripId, UUID shareId) throws SQLException {
        Instant now = clock.instant();
        db.tx(c -> {
            Shared s = ShareStore.shared(c, shareId).filter(x -> x.tripId().equals(tripId)
                    && (x.createdBy().equals(p.userId()) || p.isAdmin())).orElseThrow(ShareService::notFound);
            if (s.revokedAt() != null || !ShareStore.revoke(c, shareId, now)) {
                throw ApiException.conflict("SHARE_REVOKED", "the link is revoked already", Map.of());
            }
            return null;
        });
    }

    /** The share a public request names, if it is still live (404 for a token that names nothing, else 410). */
    public Shared live(String token) throws SQLException {
        UUID id = links.verify(token).orElseThrow(ShareService::notFound);
        admit(id);
        Shared s = db.read(c -> ShareStore.shared(c, id)).orElseThrow(ShareService::notFound);
        Instant now = clock.instant();
        if (s.revokedAt() != null) {
            throw new ApiException(410, "SHARE_REVOKED", "this link was revoked", Map.of(), null);
        }
        if (now.isAfter(s.expiresAt()) || (s.tripEndedAt() != null && now.isAfter(s.tripEndedAt().plus(afterEnd)))) {
            throw new ApiException(410, "SHARE_EXPIRED", "this link has expired", Map.of(), null);
        }
        return s;
    }

    /** {@code GET /api/v1/share/{token}}: the trip's state as the public page shows it. */
    public View view(String token) throws Exception {
        Shared s = live(token);
        LocationView location = null;
        if (s.tripStatus().equals("active")) {
            Optional<Location> l = latest.apply(s.tripId()).toCompletableFuture().get(5, TimeUnit.SECONDS);
            location = l.map(x -> new LocationView(x.lat(), x.lng(), x.speed(), x.heading(), x.timestamp()))
                    .orElse(null);
        }
        Instant end = s.tripEndedAt() == null ? s.expiresAt() : min(s.expiresAt(), s.tripEndedAt().plus(afterEnd));
        return new View(new TripView(s.tripStatus(), s.sourceCity(), s.destinationCity(), s.departureTime(),
                s.startedAt(), s.tripEndedAt()), new DriverView(firstName(s.driverName())), null, location, end, 3);
    }

    private void admit(UUID shareId) {
        if (limiter == null) {
            return;
        }
        Decision d;
        try {
            d = limiter.acquire("share:" + shareId, limit).toCompletableFuture().get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            return; // the limiter fails open, as the API's own does
        }
        if (!d.allowed()) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("retryAfterSeconds", d.retryAfterSeconds());
            throw new ApiException(429, "RATE_LIMITED", "too many requests for this link; retry after "
                    + d.retryAfterSeconds() + " s", details, Map.of("Retry-After", String.valueOf(d.retryAfterSeconds())));
        }
    }

    static String firstName(String name) {
        if (name == null || name.isBlank()) {
            return null;
        }
        return name.trim().split("\\s+")[0];
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static ApiException notFound() {
        return new ApiException(404, "SHARE_NOT_FOUND", "no such link", Map.of(), null);
    }
}
