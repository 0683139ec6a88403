package com.hushryd.realtime.socketio;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A Socket.IO namespace: who may connect, what happens on connection and disconnection, and the event handlers
 * shared by all its sockets. Configure it before clients connect.
 */
public final class Namespace {
    private final String name;
    private volatile Authorizer authorizer = Authorizer.ALLOW_ALL;
    private volatile Function<SioSocket, CompletionStage<?>> beforeConnect =
            s -> CompletableFuture.completedFuture(null);
    private volatile Consumer<SioSocket> onConnection = s -> { };
    private volatile BiConsumer<SioSocket, String> onDisconnect = (s, r) -> { };
    private volatile EventHandler unknownEvent;
    private final Map<String, EventHandler> handlers = new ConcurrentHashMap<>();
    private volatile EventGuard eventGuard;
    private volatile Recovery recovery;

    /** Decides, before the handler, whether a socket's event runs; a guard that refuses answers the client itself. */
    @FunctionalInterface
    public interface EventGuard {
        /** @param ack the event's ack, or null; on the socket's event loop */
        boolean admit(SioSocket socket, String event, Ack ack);
    }

    Namespace(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public Namespace authorizer(Authorizer a) {
        this.authorizer = a;
        return this;
    }

    /**
     * Work to finish before the client is told it is connected (joining rooms, loading state), so that it misses
     * nothing sent to those rooms afterwards. A failure refuses the connection.
     */
    public Namespace beforeConnect(Function<SioSocket, CompletionStage<?>> hook) {
        this.beforeConnect = hook;
        return this;
    }

    public Namespace onConnection(Consumer<SioSocket> handler) {
        this.onConnection = handler;
        return this;
    }

    public Namespace onDisconnect(BiConsumer<SioSocket, String> handler) {
        this.onDisconnect = handler;
        return this;
    }

    public Namespace on(String event, EventHandler handler) {
        handlers.put(event, handler);
        return this;
    }

    /** The events that have a handler (docs/realtime.md lists exactly these for the main namespace). */
    public java.util.Set<String> events() {
        return java.util.Set.copyOf(handlers.keySet());
    }

    /** Handles events nobody registered (by default they are ignored, as the reference server does). */
    public Namespace onUnknownEvent(EventHandler handler) {
        this.unknownEvent = handler;
        return this;
    }

    /** Runs {@code guard} before every event of this namespace's sockets (unknown events included). */
    public Namespace guardEvents(EventGuard guard) {
        this.eventGuard = guard;
        return this;
    }

    /** Turns on connection state recovery for this namespace (null: off, the default). */
    public Namespace recovery(Recovery r) {
        this.recovery = r;
        return this;
    }

    Recovery recovery() {
        return recovery;
    }

    EventGuard eventGuard() {
        return eventGuard;
    }

    Authorizer authorizer() {
        return authorizer;
    }

    CompletionStage<?> prepare(SioSocket socket) {
        return beforeConnect.apply(socket);
    }

    void connected(SioSocket socket) {
        onConnection.accept(socket);
    }

    void disconnected(SioSocket socket, String reason) {
        onDisconnect.accept(socket, reason);
    }

    EventHandler handler(String event) {
        EventHandler h = handlers.get(event);
        return h != null ? h : unknownEvent;
    }
}
