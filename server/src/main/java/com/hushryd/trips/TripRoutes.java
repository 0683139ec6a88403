package com.hushryd.trips;

import static com.hushryd.http.ApiRouter.Access.AUTHENTICATED;
import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;

import com.hushryd.http.ApiRouter;
import com.hushryd.http.Reply;
import com.hushryd.trips.TripService.Action;
import com.hushryd.trips.TripService.BookingInput;
import com.hushryd.trips.TripService.SearchQuery;
import com.hushryd.trips.TripService.TripInput;

/** HTTP endpoints of trips and bookings. */
public final class TripRoutes {
    private TripRoutes() {
    }

    public static void register(ApiRouter api, TripService trips) {
        api.api(POST, "/trips", AUTHENTICATED, req -> Reply.created(trips.create(req.principal(),
                req.body(TripInput.class))));
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
        api.api(POST, "/trips/{id}/bookings", AUTHENTICATED, req -> Reply.created(trips.book(req.principal(),
                req.pathUuid("id"), req.body(BookingInput.class))));
        api.api(GET, "/bookings", AUTHENTICATED, req -> {
            req.allowQuery("tripId", "limit", "cursor");
            return trips.bookings(req.principal(), req.queryUuid("tripId"),
                    req.queryInt("limit", 1, 100), req.query("cursor"));
        });
        api.api(DELETE, "/bookings/{id}", AUTHENTICATED,
                req -> trips.cancelBooking(req.principal(), req.pathUuid("id")));
    }
}
