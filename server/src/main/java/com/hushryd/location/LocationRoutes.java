package com.hushryd.location;

import static com.hushryd.http.ApiRouter.Access.AUTHENTICATED;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.util.RawValue;
import com.hushryd.auth.Principal;
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
import com.hushryd.realtime.socketio.Ack;
import com.hushryd.realtime.socketio.Namespace;
import java.util.UUID;
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

    /** {@code location:update}, {@code track:subscribe}, {@code track:unsubscribe} on the main namespace. */
    public static void register(Namespace main, LocationService locations) {
        main.on("location:update", (socket, args, ack) -> {
            try {
                TripLocationInput in = locationArgument(args);
                UUID tripId = LocationService.tripId("tripId", in.tripId());
                CompletionStage<LocationService.UpdateResult> done = locations.update(socket.<Principal>user(),
                        tripId, in.location(), socket::execute);
                if (ack != null) {
                    done.whenComplete((r, e) -> ack.send(e == null ? new RawValue(okJson(r)) : Replies.error(e)));
                }
            } catch (ApiException e) {
                reply(ack, e);
            }
        });
        main.on("track:subscribe", (socket, args, ack) -> {
            try {
                answer(ack, locations.subscribe(socket, socket.<Principal>user(), tripArgument(args)));
            } catch (ApiException e) {
                reply(ack, e);
            }
        });
        main.on("track:unsubscribe", (socket, args, ack) -> {
            try {
                Object done = locations.unsubscribe(socket, tripArgument(args));
                if (ack != null) {
                    ack.send(Replies.ok(done));
                }
            } catch (ApiException e) {
                reply(ack, e);
            }
        });
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

    /** {@code Replies.ok(r)} as the mapper writes it, for the ack of every update. */
    static String okJson(LocationService.UpdateResult r) {
        StringBuilder sb = new StringBuilder(128);
        sb.append("{\"ok\":true,\"data\":{\"tripId\":");
        Location.quoted(sb, r.tripId());
        sb.append(",\"stored\":").append(r.stored()).append(",\"timestamp\":");
        Location.quoted(sb, r.timestamp());
        return sb.append(",\"degraded\":").append(r.degraded()).append("}}").toString();
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

    private static <T> void answer(Ack ack, CompletionStage<T> stage) {
        stage.whenComplete((r, e) -> {
            if (ack != null) {
                ack.send(e == null ? Replies.ok(r) : Replies.error(e));
            }
        });
    }

    private static void reply(Ack ack, ApiException e) {
        if (ack != null) {
            ack.send(Replies.error(e));
        }
    }
}
