package com.hushryd.chat;

import com.hushryd.realtime.SocketEvents;
import static com.hushryd.http.ApiRouter.Access.AUTHENTICATED;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;

import com.hushryd.http.ApiRouter;
import com.hushryd.chat.ChatService.ConversationRef;
import com.hushryd.chat.ChatService.MessageInput;
import com.hushryd.chat.ChatService.SendInput;
import com.hushryd.idempotency.IdempotencyKeys;
import java.util.UUID;

/** Chat over HTTP (conversation list, history, sending) and over Socket.IO ({@code chat:send}, {@code chat:typing}). */
public final class ChatRoutes {
    private ChatRoutes() {
    }

    /** Registers the endpoints; sending a message honours {@code Idempotency-Key} through {@code keys}. */
    public static void register(ApiRouter api, ChatService chat, IdempotencyKeys keys) {
        api.api(GET, "/conversations", AUTHENTICATED, req -> {
            req.allowQuery("limit", "cursor");
            return chat.conversations(req.principal(), req.queryInt("limit", 1, 100), req.query("cursor"));
        });
        api.api(GET, "/conversations/{id}/messages", AUTHENTICATED, req -> {
            req.allowQuery("before", "limit");
            return chat.history(req.principal(), req.pathUuid("id"), req.queryUuid("before"),
                    req.queryInt("limit", 1, 100));
        });
        api.api(POST, "/conversations/{id}/messages", AUTHENTICATED, req -> {
            req.allowQuery();
            UUID conversationId = req.pathUuid("id");
            MessageInput in = req.body(MessageInput.class);
            return chat.post(req.principal(), conversationId, in,
                    keys.call(req, "message.create", conversationId.toString(), in)).reply();
        });
    }

    public static void register(SocketEvents events, ChatService chat) {
        events.on("chat:send", SendInput.class, (caller, in) -> chat.send(caller.user(), in, caller.socketId()));
        events.on("chat:typing", ConversationRef.class, (caller, in) -> chat.typing(caller.user(), in,
                caller.socketId()));
    }
}
