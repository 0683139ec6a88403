package com.hushryd.chat;

import static com.hushryd.http.ApiRouter.Access.AUTHENTICATED;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;

import com.hushryd.http.ApiRouter;
import com.hushryd.realtime.Replies;
import com.hushryd.realtime.socketio.Namespace;
import com.hushryd.auth.Principal;
import com.hushryd.chat.ChatService.ConversationRef;
import com.hushryd.chat.ChatService.MessageInput;
import com.hushryd.chat.ChatService.SendInput;
import com.hushryd.idempotency.IdempotencyKeys;
import io.vertx.core.WorkerExecutor;
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

    public static void register(Namespace main, ChatService chat, WorkerExecutor workers) {
        main.on("chat:send", (socket, args, ack) -> Replies.blocking(workers, ack, () -> chat.send(
                socket.<Principal>user(), Replies.argument(args, SendInput.class), socket.id())));
        main.on("chat:typing", (socket, args, ack) -> Replies.blocking(workers, ack, () -> chat.typing(
                socket.<Principal>user(), Replies.argument(args, ConversationRef.class), socket.id())));
    }
}
