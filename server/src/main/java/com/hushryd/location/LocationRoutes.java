package com.hushryd.location;

import static com.hushryd.http.ApiRouter.Access.AUTHENTICATED;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.hushryd.common.ApiException;
import com.hushryd.http.ApiRequest;
import com.hushryd.http.ApiRouter;
import com.hushryd.http.Reply;
import com.hushryd.common.RouteClass;
import com.hushryd.location.LocationService.BatchInput;
import com.hushryd.location.LocationService.LocationInput;
import com.hushryd.location.LocationService.PointInput;
import com.hushryd.location.LocationService.TripLocationInput;
import com.hushryd.realtime.Replies;
import com.hushryd.realtime.SocketEvents;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** Location tracking over HTTP and over Socket.IO. */
public final class LocationRoutes {
    private static final long WAIT_SECONDS = 10;

    private LocationRoutes() {
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    public static void register(ApiRouter api, LocationService locations) {
        // tracking is critical (seed 000): never shed, its own rate-limit bucket, reserved workers
        api.api(POST, "/trips/{id}/location", AUTHENTICATED, RouteClass.CRITICAL, req -> Reply.accepted(
                await(locations.update(req.principal(), req.pathUuid("id"), req.body(LocationInput.class)))));
        api.api(POST, "/locations/batch", AUTHENTICATED, RouteClass.CRITICAL, req -> Reply.accepted(
                await(locations.batch(req.principal(), req.body(BatchInput.class)))));
        api.api(GET, "/trips/{id}/location", AUTHENTICATED, RouteClass.CRITICAL, req -> await(locations.latest(
                req.principal(), req.pathUuid("id"))).orElseThrow(() -> new ApiException(404, "NO_LOCATION",
                        "no location reported for this trip recently")));
        api.api(GET, "/trips/{id}/route", AUTHENTICATED, req -> {
            req.allowQuery("cursor", "limit");
            Integer limit = req.queryInt("limit", 1, 5000);
            return locations.route(req.principal(), req.pathUuid("id"), req.query("cursor"),
                    limit == null ? 1000 : limit);
        });
        api.api(POST, "/drivers/me/online", AUTHENTICATED, req -> await(locations.online(req.principal(),
                req.body(PointInput.class))));
        api.api(POST, "/drivers/me/offline", AUTHENTICATED, req -> await(locations.offline(req.principal())));
        api.api(GET, "/drivers/nearby", AUTHENTICATED, req -> nearby(req, locations));
    }

    private static Object nearby(ApiRequest req, LocationService locations) throws Exception {
        req.allowQuery("lat", "lng", "radiusKm", "limit");
        double lat = number(req, "lat", -LocationService.MAX_GEO_LAT, LocationService.MAX_GEO_LAT, null);
        double lng = number(req, "lng", -180, 180, null);
        double radius = number(req, "radiusKm", 0.01, 100, 5.0);
        Integer limit = req.queryInt("limit", 1, 100);
        return locations.nearby(lat, lng, radius, limit == null ? 20 : limit);
    }

    private static double number(ApiRequest req, String name, double min, double max, Double dflt) {
        String v = req.query(name);
        if (v == null) {
            if (dflt == null) {
                throw ApiException.invalid(name, "is required");
            }
            return dflt;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (Double.isFinite(d) && d >= min && d <= max) {
                return d;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ApiException.invalid(name, "must be a number between " + min + " and " + max);
    }

    /**
     * {@code location:update}, {@code track:subscribe}, {@code track:unsubscribe} on the main namespace, each on its
     * socket's thread (the update path never hops to a worker).
     */
    public static void register(SocketEvents events, LocationService locations) {
        events.onSocketThread("location:update", LocationRoutes::locationArgument, (caller, in) -> locations.update(
                caller.user(), LocationService.tripId("tripId", in.tripId()), in.location(), caller.thread()));
        events.onSocketThread("track:subscribe", LocationRoutes::tripArgument, locations::subscribe);
        events.onSocketThread("track:unsubscribe", LocationRoutes::tripArgument, (caller, tripId) ->
                CompletableFuture.completedFuture(locations.unsubscribe(caller, tripId)));
    }

    private static final java.util.Set<String> LOCATION_FIELDS = java.util.Set.of("tripId", "lat", "lng", "speed",
            "heading", "accuracy", "timestamp");

    /**
     * The {@code location:update} argument, read from the packet's tree by hand when it has the expected shape (once
     * per update, where the mapper's tree-to-record conversion cost about as much as parsing the packet); anything
     * else goes through {@link Replies#argument}, so that a bad argument gets the same error as before.
     */
    static TripLocationInput locationArgument(ArrayNode args) {
        JsonNode a = args.size() == 1 ? args.get(0) : null;
        if (a == null || !a.isObject()) {
            return Replies.argument(args, TripLocationInput.class);
        }
        for (java.util.Iterator<String> names = a.fieldNames(); names.hasNext(); ) {
            if (!LOCATION_FIELDS.contains(names.next())) {
                return Replies.argument(args, TripLocationInput.class);
            }
        }
        JsonNode tripId = a.get("tripId");
        if (tripId != null && !tripId.isTextual() && !tripId.isNull()) {
            return Replies.argument(args, TripLocationInput.class);
        }
        Double[] numbers = new Double[5];
        String[] fields = {"lat", "lng", "speed", "heading", "accuracy"};
        for (int i = 0; i < fields.length; i++) {
            JsonNode n = a.get(fields[i]);
            if (n == null || n.isNull()) {
                continue;
            }
            // the node types the parser makes for ordinary numbers; a big integer or anything else takes the slow path
            if (!(n.isDouble() || n.isInt() || n.isLong())) {
                return Replies.argument(args, TripLocationInput.class);
            }
            numbers[i] = n.doubleValue();
        }
        JsonNode timestamp = a.get("timestamp");
        return new TripLocationInput(tripId == null || tripId.isNull() ? null : tripId.textValue(), numbers[0],
                numbers[1], numbers[2], numbers[3], numbers[4],
                timestamp == null ? null : timestamp.isNull() ? NullNode.getInstance() : timestamp);
    }


    /** The trip id argument: a string, as in the seeds ({@code emit("track:subscribe", tripId)}), or {@code {tripId}}. */
    private static UUID tripArgument(ArrayNode args) {
        JsonNode a = args.size() == 1 ? args.get(0) : null;
        if (a != null && a.isObject() && a.has("tripId") && a.size() == 1) {
            a = a.get("tripId");
        }
        if (a == null || !a.isTextual()) {
            throw ApiException.badRequest("BAD_ARGUMENTS", "expected the trip id (a string) or {tripId}");
        }
        return LocationService.tripId("tripId", a.asText());
    }
}
