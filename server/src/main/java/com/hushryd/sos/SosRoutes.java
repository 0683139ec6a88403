package com.hushryd.sos;

import com.hushryd.realtime.SocketEvents;
import static com.hushryd.http.ApiRouter.Access.ADMIN;
import static com.hushryd.http.ApiRouter.Access.AUTHENTICATED;
import static com.hushryd.common.RouteClass.CRITICAL;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;

import com.hushryd.http.ApiRouter;
import com.hushryd.http.Reply;
import com.hushryd.sos.SosService.LocationInput;
import com.hushryd.sos.SosService.ResolveInput;
import com.hushryd.sos.SosService.TriggerInput;
import com.hushryd.sos.SosService.Triggered;
import java.util.UUID;

/** SOS over HTTP and over Socket.IO ({@code sos:trigger}, {@code sos:location}). */
public final class SosRoutes {
    private SosRoutes() {
    }

    public static void register(ApiRouter api, SosService sos) {
        // every SOS route is critical (seed 000): never shed, its own rate-limit bucket, reserved workers
        api.api(POST, "/sos", AUTHENTICATED, CRITICAL, req -> {
            Triggered t = sos.trigger(req.principal(), req.body(TriggerInput.class), req.header("Idempotency-Key"));
            return t.created() ? Reply.created(t) : Reply.ok(t);
        });
        api.api(GET, "/sos/{id}", AUTHENTICATED, CRITICAL, req -> sos.get(req.principal(), req.pathUuid("id")));
        api.api(POST, "/sos/{id}/acknowledge", ADMIN, CRITICAL,
                req -> sos.acknowledge(req.principal(), req.pathUuid("id")));
        api.api(POST, "/sos/{id}/resolve", AUTHENTICATED, CRITICAL, req -> sos.resolve(req.principal(),
                req.pathUuid("id"), req.optionalBody(ResolveInput.class)));
        api.api(POST, "/sos/{id}/location", AUTHENTICATED, CRITICAL, req -> Reply.accepted(sos.locate(
                req.principal(), req.pathUuid("id"), req.body(LocationInput.class))));
        api.api(GET, "/sos/{id}/timeline", AUTHENTICATED, CRITICAL,
                req -> sos.timeline(req.principal(), req.pathUuid("id")));
        // the acknowledgement ladder's "ack" (the same as /sos/{id}/acknowledge), and operators' notes
        api.api(POST, "/admin/sos/{id}/ack", ADMIN, CRITICAL, req -> sos.ack(req.principal(), req.pathUuid("id")));
        api.api(POST, "/admin/sos/{id}/notes", ADMIN, CRITICAL, req -> Reply.created(sos.note(req.principal(),
                req.pathUuid("id"), req.body(SosService.NoteInput.class))));
        api.api(GET, "/admin/sos", ADMIN, CRITICAL, req -> {
            req.allowQuery("status", "limit", "cursor");
            return sos.list(req.query("status"), req.queryInt("limit", 1, 200), req.query("cursor"));
        });
    }

    /** {@code sos:trigger} (the body of {@code POST /sos}, with {@code idempotencyKey}) and {@code sos:location}. */
    public static void register(SocketEvents events, SosService sos) {
        events.on("sos:trigger", TriggerInput.class, (caller, in) -> sos.trigger(caller.user(), in, null));
        events.on("sos:location", SocketLocation.class, (caller, in) -> sos.locate(caller.user(),
                alertId(in.alertId()), new LocationInput(in.lat(), in.lng(), in.speed(), in.heading(), in.accuracy(),
                        in.timestamp())));
    }

    /** {@code sos:location}: the alert and the position. */
    public record SocketLocation(String alertId, Double lat, Double lng, Double speed, Double heading,
            Double accuracy, com.fasterxml.jackson.databind.JsonNode timestamp) {
    }

    private static UUID alertId(String value) {
        return com.hushryd.common.Validator.requireUuid("alertId", value);
    }
}
