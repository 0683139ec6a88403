package com.hushryd.notify;

import static com.hushryd.http.ApiRouter.Access.ADMIN;
import static io.vertx.core.http.HttpMethod.GET;

import com.hushryd.http.ApiRouter;
import com.hushryd.common.Validator;
import java.util.Arrays;
import java.util.List;

/** {@code GET /admin/outbox}: what the development outbox holds (messages of channels without a provider). */
public final class NotifyRoutes {
    private NotifyRoutes() {
    }

    public record Outbox(List<DevOutbox.Message> items) {
    }

    public static void register(ApiRouter api, DevOutbox outbox) {
        api.api(GET, "/admin/outbox", ADMIN, req -> {
            req.allowQuery("channel", "limit");
            Validator v = new Validator();
            Channel channel = v.choice("channel", req.query("channel"), Arrays.asList(Channel.values()), false);
            v.throwIfInvalid();
            Integer limit = req.queryInt("limit", 1, 500);
            return new Outbox(outbox.latest(channel == null ? null : channel.label(), limit == null ? 50 : limit));
        });
    }
}
