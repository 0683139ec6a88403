package com.hushryd.realtime;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.hushryd.auth.Principal;
import com.hushryd.common.ApiException;
import com.hushryd.realtime.socketio.Namespace;
import com.hushryd.realtime.socketio.SioSocket;
import com.hushryd.rooms.Room;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;

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

    /**
     * The caller of an event handled on its socket's own thread ({@link #onSocketThread}): besides who it is, it can
     * move its socket in and out of rooms, and run what follows on the socket's thread.
     */
    public interface SocketCaller {
        Principal user();

        String socketId();

        /** Joins the room; call it on the socket's thread ({@link #thread()}). */
        void join(Room room);

        void leave(Room room);

        /** Runs tasks on the socket's own thread, in order. */
        Executor thread();
    }

    /** Handles one event without blocking; the stage's result, or its error, is the acknowledgement. */
    @FunctionalInterface
    public interface AsyncHandler<T> {
        /** Runs on the socket's thread: must not block. Throw (or fail the stage with) an {@code ApiException}. */
        CompletionStage<?> handle(SocketCaller caller, T input);
    }

    private final Namespace main;
    private final WorkerExecutor workers;

    public SocketEvents(Namespace main, WorkerExecutor workers) {
        this.main = main;
        this.workers = workers;
    }

    /**
     * Registers a non-blocking handler of client event {@code event}, run on the socket's own thread (no hop to a
     * worker: for the hot paths), with the event's arguments read by {@code read} (which throws an
     * {@code ApiException} for bad ones).
     */
    public <T> void onSocketThread(String event, Function<ArrayNode, T> read, AsyncHandler<T> handler) {
        main.on(event, (socket, args, ack) -> {
            CompletionStage<?> result;
            try {
                result = handler.handle(new Live(socket), read.apply(args));
            } catch (ApiException e) {
                result = CompletableFuture.failedFuture(e);
            }
            result.whenComplete((r, e) -> {
                if (ack != null) {
                    ack.send(e == null ? Replies.ok(r) : Replies.error(e));
                }
            });
        });
    }

    /** Like {@link #onSocketThread(String, Function, AsyncHandler)} for an event whose one argument is an object. */
    public <T> void onSocketThread(String event, Class<T> input, AsyncHandler<T> handler) {
        onSocketThread(event, args -> Replies.argument(args, input), handler);
    }

    private record Live(SioSocket socket) implements SocketCaller {
        @Override
        public Principal user() {
            return socket.user();
        }

        @Override
        public String socketId() {
            return socket.id();
        }

        @Override
        public void join(Room room) {
            socket.join(room.name());
        }

        @Override
        public void leave(Room room) {
            socket.leave(room.name());
        }

        @Override
        public Executor thread() {
            return socket::execute;
        }
    }

    /** Registers the handler of client event {@code event}, whose first argument is a JSON {@code input}. */
    public <T> void on(String event, Class<T> input, Handler<T> handler) {
        main.on(event, (socket, args, ack) -> Replies.blocking(workers, ack, () -> handler.handle(
                new Caller(socket.<Principal>user(), socket.id()), Replies.argument(args, input))));
    }
}
