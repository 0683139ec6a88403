package com.hushryd.realtime;

import com.hushryd.auth.Principal;
import com.hushryd.realtime.socketio.Namespace;
import io.vertx.core.WorkerExecutor;

/**
 * The typed way a feature handles a client's Socket.IO event, without Socket.IO classes: the event's first argument
 * is read as {@code input} (a bad one answers the acknowledgement with {@code VALIDATION_FAILED}), the handler runs on
 * a worker thread (it may block on the database) with the authenticated caller, and its result, or its error in the
 * API's error shape, is the acknowledgement.
 */
public final class SocketEvents {
    /** Who sent the event: the authenticated user and the socket it came on. */
    public record Caller(Principal user, String socketId) {
    }

    /** Handles one event. */
    @FunctionalInterface
    public interface Handler<T> {
        /** The acknowledgement's data; throw an {@code ApiException} for a client error. */
        Object handle(Caller caller, T input) throws Exception;
    }

    private final Namespace main;
    private final WorkerExecutor workers;

    public SocketEvents(Namespace main, WorkerExecutor workers) {
        this.main = main;
        this.workers = workers;
    }

    /** Registers the handler of client event {@code event}, whose first argument is a JSON {@code input}. */
    public <T> void on(String event, Class<T> input, Handler<T> handler) {
        main.on(event, (socket, args, ack) -> Replies.blocking(workers, ack, () -> handler.handle(
                new Caller(socket.<Principal>user(), socket.id()), Replies.argument(args, input))));
    }
}
