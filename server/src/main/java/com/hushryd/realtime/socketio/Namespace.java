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
    private volatile EventLimit eventLimit;

    /** Called instead of the handler for an event beyond the socket's limit (see {@link #limitEvents}). */
    @FunctionalInterface
    public interface LimitedHandler {
        /** @param ack the event's ack, or null; {@code retryAfterMillis} is when the next event would be accepted */
        void limited(SioSocket socket, String event, Ack ack, long retryAfterMillis);
    }

    /** GCRA per socket: one event every {@code intervalNanos}, bursts of up to {@code burstNanos / interval + 1}. */
    record EventLimit(long intervalNanos, long burstNanos, LimitedHandler handler) {
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

    /** Handles events nobody registered (by default they are ignored, as the reference server does). */
    public Namespace onUnknownEvent(EventHandler handler) {
        this.unknownEvent = handler;
        return this;
    }

    /**
     * Lets each socket send at most {@code events} events per {@code window} (a burst of that many, refilled evenly);
     * an event beyond that is not handled but given to {@code handler}. Counted per socket, on its own event loop.
     */
    public Namespace limitEvents(int events, java.time.Duration window, LimitedHandler handler) {
        if (events < 1 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("need at least one event per positive window");
        }
        long interval = Math.max(1, window.toNanos() / events);
        this.eventLimit = new EventLimit(interval, window.toNanos() - interval, handler);
        return this;
    }

    EventLimit eventLimit() {
        return eventLimit;
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
