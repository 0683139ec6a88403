package com.hushryd.trips;

import static com.hushryd.http.ApiRouter.Access.AUTHENTICATED;
import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;

import com.hushryd.http.ApiRouter;
import com.hushryd.idempotency.IdempotencyKeys;
import com.hushryd.trips.TripService.Action;
import com.hushryd.trips.TripService.BookingInput;
import com.hushryd.trips.TripService.SearchQuery;
import com.hushryd.trips.TripService.TripInput;
import java.util.UUID;

/** HTTP endpoints of trips and bookings. */
public final class TripRoutes {
    private TripRoutes() {
    }

    /** Registers the endpoints; the creating ones honour {@code Idempotency-Key} through {@code keys}. */
    public static void register(ApiRouter api, TripService trips, IdempotencyKeys keys) {
        api.api(POST, "/trips", AUTHENTICATED, req -> {
            TripInput in = req.body(TripInput.class);
            return trips.create(req.principal(), in, keys.call(req, "trip.create", null, in)).reply();
        });
        // registered before /trips/{id} so that "search" is never read as an id
        api.api(GET, "/trips/search", AUTHENTICATED, req -> {
            req.allowQuery("from", "to", "date", "tz", "minSeats", "maxPrice", "limit", "cursor");
            return trips.search(req.principal(), new SearchQuery(req.query("from"), req.query("to"), req.query("date"),
                    req.query("tz"), req.queryInt("minSeats", 1, TripService.MAX_SEATS), req.query("maxPrice"),
                    req.queryInt("limit", 1, 100), req.query("cursor")));
        });
        api.api(GET, "/trips/{id}", AUTHENTICATED, req -> trips.get(req.principal(), req.pathUuid("id")));
        api.api(POST, "/trips/{id}/start", AUTHENTICATED,
                req -> trips.transition(req.principal(), req.pathUuid("id"), Action.START));
        api.api(POST, "/trips/{id}/complete", AUTHENTICATED,
                req -> trips.transition(req.principal(), req.pathUuid("id"), Action.COMPLETE));
        api.api(POST, "/trips/{id}/cancel", AUTHENTICATED,
                req -> trips.transition(req.principal(), req.pathUuid("id"), Action.CANCEL));
        api.api(POST, "/trips/{id}/bookings", AUTHENTICATED, req -> {
            UUID tripId = req.pathUuid("id");
            BookingInput in = req.body(BookingInput.class);
            return trips.book(req.principal(), tripId, in, keys.call(req, "booking.create", tripId.toString(), in))
                    .reply();
        });
        api.api(GET, "/bookings", AUTHENTICATED, req -> {
            req.allowQuery("tripId", "limit", "cursor");
            return trips.bookings(req.principal(), req.queryUuid("tripId"),
                    req.queryInt("limit", 1, 100), req.query("cursor"));
        });
        api.api(DELETE, "/bookings/{id}", AUTHENTICATED, req -> {
            UUID bookingId = req.pathUuid("id");
            return trips.cancelBooking(req.principal(), bookingId,
                    keys.call(req, "booking.cancel", bookingId.toString(), null)).reply();
        });
    }
}
