package com.hushryd.safety;

import com.hushryd.realtime.SocketEvents;
import static com.hushryd.http.ApiRouter.Access.AUTHENTICATED;
import static com.hushryd.common.RouteClass.CRITICAL;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;

import com.hushryd.http.ApiRouter;
import com.hushryd.common.Validator;
import com.hushryd.safety.SafetyChecks.AnswerInput;

/** Check-ins over HTTP ({@code /safety-checks/{id}}, {@code .../answer}) and Socket.IO ({@code safety:answer}). */
public final class SafetyRoutes {
    private SafetyRoutes() {
    }

    public static void register(ApiRouter api, SafetyChecks checks) {
        // safety answers are critical: never shed, reserved workers, the SOS rate-limit bucket
        api.api(GET, "/safety-checks/{id}", AUTHENTICATED, CRITICAL,
                req -> checks.get(req.principal(), req.pathUuid("id")));
        api.api(POST, "/safety-checks/{id}/answer", AUTHENTICATED, CRITICAL,
                req -> checks.answer(req.principal(), req.pathUuid("id"), req.body(AnswerInput.class)));
    }

    /** {@code safety:answer} {@code {checkId, answer, lat?, lng?}}. */
    public static void register(SocketEvents events, SafetyChecks checks) {
        events.on("safety:answer", SocketAnswer.class, (caller, in) -> checks.answer(caller.user(),
                Validator.requireUuid("checkId", in.checkId()), new AnswerInput(in.answer(), in.lat(), in.lng())));
    }

    /** The socket event's argument. */
    public record SocketAnswer(String checkId, String answer, Double lat, Double lng) {
    }
}
