package com.hushryd.trips;

import com.hushryd.auth.Principal;
import com.hushryd.auth.Role;
import com.hushryd.cache.TwoLevelCache;
import com.hushryd.common.ApiException;
import com.hushryd.http.Reply;
import com.hushryd.idempotency.IdempotentCall;
import com.hushryd.idempotency.Outcome;
import com.hushryd.common.Json;
import com.hushryd.common.Validator;
import com.hushryd.store.Database;
import com.hushryd.store.Ids;
import com.hushryd.store.Jdbc;
import com.hushryd.store.replica.ReadRouter;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Trips and bookings. A trip is never overbooked: seats are taken by one conditional UPDATE that only succeeds while
 * enough remain, inside the transaction that records the booking, and a CHECK constraint backs it up.
 */
public final class TripService {
    public static final int MAX_SEATS = 20;
    public static final BigDecimal MAX_PRICE = new BigDecimal("1000000");
    static final LocalDate FIRST_SEARCH_DAY = LocalDate.of(2000, 1, 1);
    static final LocalDate LAST_SEARCH_DAY = LocalDate.of(9999, 12, 30);
    private static final Duration MAX_ADVANCE = Duration.ofDays(365);
    private static final Duration DEPARTURE_GRACE = Duration.ofMinutes(1);

    private final Database db;
    private ReadRouter reads;
    private final Clock clock;
    private final List<java.util.function.Consumer<Booking>> bookedListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    private TwoLevelCache.Namespace<Trip> tripCache;
    private TwoLevelCache.Namespace<Page<Trip>> searchCache;

    public TripService(Database db, Clock clock) {
        this.db = db;
        this.reads = ReadRouter.primaryOnly(db);
        this.clock = clock;
    }

    /**
     * Lets searches, trip reads and booking lists go to read replicas (decision 0062); every write is reported to
     * {@code reads} so that its author sees it on the next read from any node.
     */
    public void useReplicas(ReadRouter reads) {
        this.reads = reads;
    }

    /**
     * Caches trip reads for {@code tripTtl} and search pages for {@code searchTtl}. Every change of a trip (booking,
     * cancellation, transition) invalidates that trip and all search pages (seats and status are in them).
     */
    public void useCache(TwoLevelCache cache, Duration tripTtl, Duration searchTtl) {
        tripCache = cache.namespace("trip", Trip.class, tripTtl, 100_000);
        searchCache = cache.namespace("search", Json.MAPPER.getTypeFactory()
                .constructParametricType(Page.class, Trip.class), searchTtl, 20_000);
    }

    private void tripChanged(UUID tripId) {
        if (tripCache != null) {
            tripCache.invalidate(tripId.toString());
            searchCache.invalidateAll();
        }
    }

    /** A user's name changed: cached trips show their driver's name. */
    public void driverChanged(UUID userId) {
        if (tripCache != null) {
            tripCache.invalidateAll();
            searchCache.invalidateAll();
        }
    }

    private final List<java.util.function.Consumer<Trip>> transitionListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Called after a trip changes state (started, completed, cancelled) on this node. */
    public void onTransition(java.util.function.Consumer<Trip> listener) {
        transitionListeners.add(listener);
    }

    /** The driver and status of a trip, without the rest (for authorization on hot paths). */
    public java.util.Optional<TripState> state(UUID tripId) throws SQLException {
        return db.read(c -> TripStore.state(c, tripId));
    }

    /** Called after a booking commits (e.g. to put the passenger and driver into the booking's conversation). */
    public void onBooked(java.util.function.Consumer<Booking> listener) {
        bookedListeners.add(listener);
    }

    public record TripInput(Place source, Place destination, String departureTime, Integer seats,
            BigDecimal pricePerSeat) {
    }

    public record BookingInput(Integer seats) {
    }

    /** Filters of a trip search, as given in the query string (all optional). */
    public record SearchQuery(String from, String to, String date, String tz, Integer minSeats, String maxPrice,
            Integer limit, String cursor) {
    }

    /** What a trip action does: the state it needs, the state it leads to, and who may do it. */
    public enum Action {
        START(TripStatus.SCHEDULED, TripStatus.ACTIVE, "started_at", false),
        COMPLETE(TripStatus.ACTIVE, TripStatus.COMPLETED, "completed_at", false),
        CANCEL(TripStatus.SCHEDULED, TripStatus.CANCELLED, "cancelled_at", true);

        final TripStatus from;
        final TripStatus to;
        final String timestampColumn;
        final boolean adminMay;

        Action(TripStatus from, TripStatus to, String timestampColumn, boolean adminMay) {
            this.from = from;
            this.to = to;
            this.timestampColumn = timestampColumn;
            this.adminMay = adminMay;
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    public Trip create(Principal p, TripInput in) throws SQLException {
        return create(p, in, IdempotentCall.NONE).value();
    }

    /** Publishes a trip; a retry of a keyed {@code call} answers the first one's reply (decision 0052). */
    public Outcome<Trip> create(Principal p, TripInput in, IdempotentCall call) throws SQLException {
        if (p.role() != Role.DRIVER) {
            throw ApiException.forbidden("only drivers can publish trips");
        }
        Validator v = new Validator();
        Place from = place(v, "source", in.source());
        Place to = place(v, "destination", in.destination());
        Instant departure = departure(v, in.departureTime());
        Integer seats = v.integer("seats", in.seats(), 1, MAX_SEATS, true);
        BigDecimal price = v.money("pricePerSeat", in.pricePerSeat(), MAX_PRICE, true);
        v.throwIfInvalid();
        UUID id = Ids.newId();
        Instant now = now();
        Outcome<Trip> created = db.tx(c -> call.run(c, x -> {
            TripStore.insert(x, id, p.userId(), from, to, departure, seats, price, now);
            return TripStore.trip(x, id).orElseThrow();
        }, Reply::created));
        reads.wrote(p.userId());
        if (searchCache != null && !created.replayed()) {
            searchCache.invalidateAll();
        }
        return created;
    }

    private static Place place(Validator v, String field, Place p) {
        if (p == null) {
            v.fail(field, "is required");
            return null;
        }
        String city = v.text(field + ".city", p.city(), 1, 100, true);
        Double lat = v.number(field + ".lat", p.lat(), -90, 90, true);
        Double lng = v.number(field + ".lng", p.lng(), -180, 180, true);
        return new Place(city, lat, lng);
    }

    private Instant departure(Validator v, String value) {
        if (value == null) {
            v.fail("departureTime", "is required");
            return null;
        }
        Instant t;
        try {
            t = OffsetDateTime.parse(value).toInstant().truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException e) {
            v.fail("departureTime", "must be an ISO-8601 date-time with offset, e.g. 2026-12-01T09:30:00+05:30");
            return null;
        }
        Instant now = clock.instant();
        if (t.isBefore(now.minus(DEPARTURE_GRACE))) {
            v.fail("departureTime", "must be in the future");
        } else if (t.isAfter(now.plus(MAX_ADVANCE))) {
            v.fail("departureTime", "must be within a year from now");
        }
        return t;
    }

    public Trip get(UUID id) throws SQLException {
        Trip t = TwoLevelCache.read(tripCache, id.toString(),
                () -> db.read(c -> TripStore.trip(c, id)).orElse(null));
        if (t == null) {
            throw ApiException.notFound("trip");
        }
        return t;
    }

    /**
     * A trip as {@code p} may see it: from the cache, else from a replica that has replayed {@code p}'s last write.
     * A reader who wrote recently skips the shared cache: another reader may have filled it from a replica that had
     * not replayed that write yet.
     */
    public Trip get(Principal p, UUID id) throws SQLException {
        ReadRouter.Reader reader = reads.reader(p.userId());
        TwoLevelCache.Namespace<Trip> cache = reader.wroteRecently() ? null : tripCache;
        Trip t = TwoLevelCache.read(cache, id.toString(),
                () -> reads.read(reader, c -> TripStore.trip(c, id)).orElse(null));
        if (t == null) {
            throw ApiException.notFound("trip");
        }
        return t;
    }

    public Trip transition(Principal p, UUID tripId, Action action) throws SQLException {
        Instant now = now();
        Trip changed = db.tx(c -> {
            TripState t = TripStore.lockTrip(c, tripId).orElseThrow(() -> ApiException.notFound("trip"));
            boolean isDriver = t.driverId().equals(p.userId());
            if (!isDriver && !(action.adminMay && p.isAdmin())) {
                throw ApiException.forbidden("only the trip's driver may " + action.name().toLowerCase() + " it");
            }
            if (t.status() != action.from) {
                throw ApiException.conflict("INVALID_TRIP_TRANSITION",
                        "cannot " + action.name().toLowerCase() + " a " + t.status().json() + " trip",
                        Map.of("status", t.status().json(), "action", action.name().toLowerCase()));
            }
            TripStore.setStatus(c, tripId, action.to, action.timestampColumn, now);
            if (action == Action.CANCEL) {
                TripStore.cancelBookingsOfTrip(c, tripId, now);
            }
            return TripStore.trip(c, tripId).orElseThrow();
        });
        reads.wrote(p.userId());
        tripChanged(tripId);
        for (var listener : transitionListeners) {
            try {
                listener.accept(changed);
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(TripService.class).warn("trip listener failed: {}", e.toString());
            }
        }
        return changed;
    }

    public Page<Trip> search(SearchQuery q) throws SQLException {
        return search(null, q);
    }

    /** A search page for {@code p} (null: anyone); see {@link #get(Principal, UUID)} for replicas and the cache. */
    public Page<Trip> search(Principal p, SearchQuery q) throws SQLException {
        Validator v = new Validator();
        String from = v.text("from", q.from(), 1, 100, false);
        String to = v.text("to", q.to(), 1, 100, false);
        ZoneId zone = ZoneOffset.UTC;
        if (q.tz() != null) {
            try {
                zone = ZoneId.of(q.tz());
            } catch (DateTimeException e) {
                v.fail("tz", "must be a time zone such as Asia/Kolkata");
            }
        }
        Instant notBefore = clock.instant();
        Instant before = null;
        if (q.date() != null) {
            try {
                LocalDate day = LocalDate.parse(q.date());
                // PostgreSQL's timestamps and Java's day arithmetic both end somewhere: keep well inside
                if (day.isBefore(FIRST_SEARCH_DAY) || day.isAfter(LAST_SEARCH_DAY)) {
                    v.fail("date", "must be between " + FIRST_SEARCH_DAY + " and " + LAST_SEARCH_DAY);
                } else {
                    notBefore = day.atStartOfDay(zone).toInstant();
                    before = day.plusDays(1).atStartOfDay(zone).toInstant();
                }
            } catch (DateTimeParseException e) {
                v.fail("date", "must be a date such as 2026-12-01");
            }
        }
        BigDecimal maxPrice = null;
        if (q.maxPrice() != null) {
            try {
                maxPrice = v.money("maxPrice", new BigDecimal(q.maxPrice().trim()), MAX_PRICE, true);
            } catch (NumberFormatException e) {
                v.fail("maxPrice", "must be a number");
            }
        }
        Cursor after = q.cursor() == null ? null : Cursor.decode(q.cursor());
        v.throwIfInvalid();
        int limit = q.limit() == null ? 20 : q.limit();
        TripStore.SearchFilter filter = new TripStore.SearchFilter(from == null ? null : CityKey.of(from),
                to == null ? null : CityKey.of(to), notBefore, before, q.minSeats() == null ? 1 : q.minSeats(),
                maxPrice, after, limit + 1);
        // without a date the search starts "now": the key leaves the instant out, so a page lives its TTL
        String key = String.join("|", String.valueOf(filter.fromKey()), String.valueOf(filter.toKey()),
                q.date() == null ? "-" : filter.notBefore() + "/" + filter.before(), String.valueOf(filter.minSeats()),
                maxPrice == null ? "-" : maxPrice.toPlainString(), String.valueOf(limit),
                q.cursor() == null ? "-" : q.cursor());
        ReadRouter.Reader reader = reads.reader(p == null ? null : p.userId());
        return TwoLevelCache.read(reader.wroteRecently() ? null : searchCache, key, () -> page(reader, filter, limit));
    }

    private Page<Trip> page(ReadRouter.Reader reader, TripStore.SearchFilter filter, int limit) throws SQLException {
        List<Trip> rows = reads.read(reader, c -> TripStore.search(c, filter));
        if (rows.size() <= limit) {
            return new Page<>(rows, null);
        }
        List<Trip> page = rows.subList(0, limit);
        Trip last = page.get(limit - 1);
        return new Page<>(List.copyOf(page), new Cursor(last.departureTime(), last.id()).encode());
    }

    public Booking book(Principal p, UUID tripId, BookingInput in) throws SQLException {
        return book(p, tripId, in, IdempotentCall.NONE).value();
    }

    /** Books seats; a retry of a keyed {@code call} answers the first one's reply, never a second booking. */
    public Outcome<Booking> book(Principal p, UUID tripId, BookingInput in, IdempotentCall call) throws SQLException {
        if (p.role() != Role.PASSENGER) {
            throw ApiException.forbidden("only passengers can book trips");
        }
        Validator v = new Validator();
        Integer seats = v.integer("seats", in.seats(), 1, MAX_SEATS, true);
        v.throwIfInvalid();
        UUID id = Ids.newId();
        Instant now = now();
        Outcome<Booking> outcome;
        try {
            outcome = db.tx(x -> call.run(x, c -> {
                if (!TripStore.takeSeats(c, tripId, seats, now)) {
                    Trip t = TripStore.trip(c, tripId).orElseThrow(() -> ApiException.notFound("trip"));
                    if (t.status() != TripStatus.SCHEDULED) {
                        throw ApiException.conflict("TRIP_NOT_BOOKABLE", "the trip is " + t.status().json(),
                                Map.of("status", t.status().json()));
                    }
                    throw ApiException.conflict("SEATS_UNAVAILABLE", "only " + t.seatsAvailable()
                            + " seat(s) left", Map.of("seatsAvailable", t.seatsAvailable(), "requested", seats));
                }
                TripStore.insertBooking(c, id, tripId, p.userId(), seats, now);
                return TripStore.booking(c, id).orElseThrow();
            }, Reply::created));
            reads.wrote(p.userId());
            if (outcome.replayed()) {
                return outcome;
            }
            tripChanged(tripId);
        } catch (SQLException e) {
            if (Jdbc.isUniqueViolation(e, "bookings_one_confirmed_per_passenger")) {
                throw ApiException.conflict("ALREADY_BOOKED", "you already hold a booking on this trip", Map.of());
            }
            throw e;
        }
        Booking booked = outcome.value();
        for (var listener : bookedListeners) {
            try {
                listener.accept(booked);
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(TripService.class).warn("booking listener failed: {}", e.toString());
            }
        }
        return outcome;
    }

    public Booking cancelBooking(Principal p, UUID bookingId) throws SQLException {
        return cancelBooking(p, bookingId, IdempotentCall.NONE).value();
    }

    /**
     * Cancels a booking; a retry of a keyed {@code call} answers the first cancellation's reply instead of 409
     * {@code BOOKING_ALREADY_CANCELLED}.
     */
    public Outcome<Booking> cancelBooking(Principal p, UUID bookingId, IdempotentCall call) throws SQLException {
        Instant now = now();
        Outcome<Booking> cancelled = db.tx(x -> call.run(x, c -> {
            Booking seen = TripStore.booking(c, bookingId)
                    .filter(b -> p.isAdmin() || b.passengerId().equals(p.userId()))
                    .orElseThrow(() -> ApiException.notFound("booking"));
            // lock the trip before the booking, the same order as a trip cancellation, so the two never deadlock
            TripStore.lockTrip(c, seen.tripId()).orElseThrow();
            Booking b = TripStore.lockBooking(c, bookingId).orElseThrow();
            if (b.status() == BookingStatus.CANCELLED) {
                throw ApiException.conflict("BOOKING_ALREADY_CANCELLED", "the booking is already cancelled",
                        Map.of());
            }
            if (b.trip().status() != TripStatus.SCHEDULED) {
                throw ApiException.conflict("BOOKING_NOT_CANCELLABLE",
                        "the trip is " + b.trip().status().json() + "; its bookings can no longer be cancelled",
                        Map.of("tripStatus", b.trip().status().json()));
            }
            TripStore.cancelBooking(c, bookingId, now);
            TripStore.returnSeats(c, b.tripId(), b.seats(), now);
            return TripStore.booking(c, bookingId).orElseThrow();
        }, Reply::ok));
        reads.wrote(p.userId());
        if (!cancelled.replayed()) {
            tripChanged(cancelled.value().tripId());
        }
        return cancelled;
    }

    /**
     * An account was deleted: its scheduled trips are cancelled (their passengers hear it as from any cancellation)
     * and its confirmed bookings on scheduled trips are cancelled, giving the seats back. Runs after the deletion
     * committed; a failure is logged and leaves the rest for an operator (the account can no longer act either way).
     */
    public void accountDeleted(UUID userId) {
        try {
            List<UUID> trips = db.read(c -> Jdbc.list(c, "SELECT id FROM trips WHERE driver_id = ? "
                    + "AND status = 'scheduled'", rs -> Jdbc.uuid(rs, "id"), userId));
            for (UUID trip : trips) {
                try {
                    transition(new Principal(userId, Role.DRIVER), trip, Action.CANCEL);
                } catch (ApiException e) {
                    // started or cancelled meanwhile: nothing left to cancel
                }
            }
            List<UUID> bookings = db.read(c -> Jdbc.list(c, "SELECT b.id FROM bookings b JOIN trips t ON t.id = "
                    + "b.trip_id WHERE b.passenger_id = ? AND b.status = 'confirmed' AND t.status = 'scheduled'",
                    rs -> Jdbc.uuid(rs, "id"), userId));
            for (UUID booking : bookings) {
                try {
                    cancelBooking(new Principal(userId, Role.PASSENGER), booking);
                } catch (ApiException e) {
                    // cancelled, or its trip started, meanwhile
                }
            }
        } catch (SQLException e) {
            org.slf4j.LoggerFactory.getLogger(TripService.class).warn("the trips and bookings of deleted account {} "
                    + "could not all be cancelled: {}", userId, e.toString());
        }
    }

    /** The caller's bookings: a passenger's own, a driver's on their trips, or any for an admin. */
    public Page<Booking> bookings(Principal p, UUID tripId, Integer limit, String cursor) throws SQLException {
        Cursor after = cursor == null ? null : Cursor.decode(cursor);
        int n = limit == null ? 20 : limit;
        UUID passenger = p.role() == Role.PASSENGER ? p.userId() : null;
        UUID driver = p.role() == Role.DRIVER ? p.userId() : null;
        List<Booking> rows = reads.read(p.userId(), c -> TripStore.bookings(c, passenger, driver, tripId, after,
                n + 1));
        if (rows.size() <= n) {
            return new Page<>(rows, null);
        }
        List<Booking> page = List.copyOf(rows.subList(0, n));
        Booking last = page.get(n - 1);
        return new Page<>(page, new Cursor(last.createdAt(), last.id()).encode());
    }

    /** Whether this user holds a confirmed booking on the trip (a passenger of it). */
    public boolean isPassenger(UUID tripId, UUID userId) throws SQLException {
        return db.read(c -> TripStore.hasConfirmedBooking(c, tripId, userId));
    }
}
