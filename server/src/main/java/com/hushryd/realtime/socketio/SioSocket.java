package com.hushryd.realtime.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.hushryd.realtime.engineio.EngineSession;
import com.hushryd.realtime.engineio.Frame;
import io.vertx.core.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One client's connection to one namespace. Confined to its session's event loop; the public methods may be called
 * from any thread and hop to it.
 */
public final class SioSocket {
    private final String id;
    private final Namespace namespace;
    private final Connection connection;
    private final Object user;
    private final JsonNode handshakeAuth;
    private final List<String> rooms = new ArrayList<>(4);
    private Map<Long, PendingAck> pendingAcks;
    private Map<String, Object> attributes;
    private long nextAckId;
    private boolean connected = true;

    private record PendingAck(AckCallback callback, long timer) {
    }

    SioSocket(String id, Namespace namespace, Connection connection, Object user, JsonNode handshakeAuth) {
        this.id = id;
        this.namespace = namespace;
        this.connection = connection;
        this.user = user;
        this.handshakeAuth = handshakeAuth;
    }

    public String id() {
        return id;
    }

    public Namespace namespace() {
        return namespace;
    }

    /** What the namespace's authorizer returned for this socket (e.g. its principal). */
    @SuppressWarnings("unchecked")
    public <T> T user() {
        return (T) user;
    }

    /** A value the application keeps on this socket; only on the socket's event loop. */
    @SuppressWarnings("unchecked")
    public <T> T attribute(String key) {
        return attributes == null ? null : (T) attributes.get(key);
    }

    public void attribute(String key, Object value) {
        if (attributes == null) {
            attributes = new HashMap<>(2);
        }
        attributes.put(key, value);
    }

    /** The CONNECT payload. */
    public JsonNode handshakeAuth() {
        return handshakeAuth;
    }

    public EngineSession session() {
        return connection.session();
    }

    public Context context() {
        return connection.session().context();
    }

    public boolean connected() {
        return connected;
    }

    /** Keys ({@link Rooms#key}) of the rooms this socket is in (a snapshot). */
    public Set<String> rooms() {
        return Set.copyOf(rooms);
    }

    List<String> roomList() {
        return rooms;
    }

    /** Runs {@code task} on this socket's event loop (at once when already there). */
    public void execute(Runnable task) {
        connection.session().execute(task);
    }

    public void emit(String event, Object... args) {
        List<Frame> frames = Encoder.event(namespace.name(), -1, event, args);
        execute(() -> send(frames));
    }

    /** Emits and waits for the client's acknowledgement; the callback gets null on timeout or disconnection. */
    public void emitWithAck(String event, Duration timeout, AckCallback callback, Object... args) {
        execute(() -> {
            if (!connected) {
                callback.onAck(null);
                return;
            }
            long ackId = nextAckId++;
            long timer = context().owner().setTimer(timeout.toMillis(), t -> {
                PendingAck p = pendingAcks == null ? null : pendingAcks.remove(ackId);
                if (p != null) {
                    p.callback().onAck(null);
                }
            });
            if (pendingAcks == null) {
                pendingAcks = new HashMap<>();
            }
            pendingAcks.put(ackId, new PendingAck(callback, timer));
            send(Encoder.event(namespace.name(), ackId, event, args));
        });
    }

    /** Sends pre-encoded frames; must be called on the socket's event loop. */
    void send(List<Frame> frames) {
        if (connected) {
            connection.session().send(frames);
        }
    }

    /** Joins a room of this socket's namespace. */
    public void join(String room) {
        String key = Rooms.key(namespace.name(), room);
        execute(() -> {
            if (connected && !rooms.contains(key)) {
                rooms.add(key);
                connection.server().rooms().added(this, key);
            }
        });
    }

    public void leave(String room) {
        String key = Rooms.key(namespace.name(), room);
        execute(() -> {
            if (rooms.remove(key)) {
                connection.server().rooms().removed(this, key);
            }
        });
    }

    /** Disconnects this socket from its namespace (the client gets DISCONNECT); the connection stays if others use it. */
    public void disconnect() {
        execute(() -> {
            if (connected) {
                send(Encoder.disconnect(namespace.name()));
                connection.remove(this, "server namespace disconnect");
            }
        });
    }

    // ---- incoming, on the event loop

    void onEvent(ArrayNode data, long ackId) {
        String name = data.get(0).asText();
        Ack ack = ackId < 0 ? null : new OnceAck(ackId);
        Namespace.EventGuard guard = namespace.eventGuard();
        if (guard != null && !guard.admit(this, name, ack)) {
            return;
        }
        EventHandler handler = namespace.handler(name);
        if (handler == null) {
            return;
        }
        ArrayNode args = data.deepCopy();
        args.remove(0);
        handler.handle(this, args, ack);
    }

    /** @return false when the id was never issued (a protocol violation) */
    boolean onAck(long ackId, ArrayNode args) {
        if (ackId >= nextAckId) {
            return false;
        }
        PendingAck p = pendingAcks == null ? null : pendingAcks.remove(ackId);
        if (p != null) {
            context().owner().cancelTimer(p.timer());
            p.callback().onAck(args);
        }
        return true;
    }

    void onClose(String reason) {
        if (!connected) {
            return;
        }
        connected = false;
        for (String room : rooms) {
            connection.server().rooms().removed(this, room);
        }
        rooms.clear();
        if (pendingAcks != null) {
            for (PendingAck p : pendingAcks.values()) {
                context().owner().cancelTimer(p.timer());
                p.callback().onAck(null);
            }
            pendingAcks = null;
        }
        namespace.disconnected(this, reason);
    }

    private final class OnceAck implements Ack {
        private final long ackId;
        private boolean sent;

        OnceAck(long ackId) {
            this.ackId = ackId;
        }

        @Override
        public void send(Object... args) {
            List<Frame> frames = Encoder.ack(namespace.name(), ackId, args);
            execute(() -> {
                if (!sent) {
                    sent = true;
                    SioSocket.this.send(frames);
                }
            });
        }
    }

    @Override
    public String toString() {
        return "socket " + id + " on " + namespace.name();
    }
}
