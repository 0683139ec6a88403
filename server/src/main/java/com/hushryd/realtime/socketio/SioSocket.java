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
    /** Connection state recovery: the private session id (null when recovery is off) and its incarnation. */
    private final String pid;
    private final String incarnation;
    private boolean open;
    private boolean recovered;
    /** The offset of the last recoverable broadcast written to the client (-1: none). */
    private long lastOffset = -1;
    /** The offset of the first recoverable broadcast written to the client (-1: none yet). */
    private long firstOffset = -1;
    /** While the missed packets are fetched, what arrives waits here (offset -1: not recoverable). */
    private List<Held> held;

    private record Held(List<Frame> frames, long offset) {
    }

    private record PendingAck(AckCallback callback, long timer) {
    }

    /** Losses after which the client may recover (as the reference server's list, plus a slow consumer's). */
    static final Set<String> RECOVERABLE = Set.of("transport close", "transport error", "ping timeout",
            "server shutting down", "slow consumer");

    SioSocket(String id, Namespace namespace, Connection connection, Object user, JsonNode handshakeAuth, String pid,
            String incarnation) {
        this.id = id;
        this.namespace = namespace;
        this.connection = connection;
        this.user = user;
        this.handshakeAuth = handshakeAuth;
        this.pid = pid;
        this.incarnation = incarnation;
    }

    /** The private session id the client may recover with, or null when its namespace has no recovery. */
    public String pid() {
        return pid;
    }

    /** Which connection of the session this is: a recovered session's earlier connection can no longer update it. */
    public String incarnation() {
        return incarnation;
    }

    /** The offset of the first numbered broadcast this connection wrote (-1: none); on the socket's event loop. */
    public long firstOffset() {
        return firstOffset;
    }

    /** Whether this connection recovered an earlier one (same id, rooms and missed packets given back). */
    public boolean recovered() {
        return recovered;
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
    /** The peer address of this socket's Engine.IO session (null if unknown). */
    public String remoteAddress() {
        return connection.session().remoteAddress();
    }

    /** A header of the request that opened this socket's Engine.IO session, or null. */
    public String handshakeHeader(String name) {
        return connection.session().handshakeHeaders().get(name);
    }

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

    /**
     * A room broadcast, on the socket's event loop: numbered ones ({@code offset >= 0}) are written once each and in
     * offset order (a number at or below the last one written is a duplicate: dropped); while a recovery fetches the
     * missed ones, everything waits behind them.
     */
    void deliver(List<Frame> frames, long offset) {
        if (!connected) {
            return;
        }
        if (held != null) {
            held.add(new Held(frames, offset));
            return;
        }
        if (offset >= 0) {
            if (offset <= lastOffset) {
                return;
            }
            lastOffset = offset;
            if (firstOffset < 0) {
                firstOffset = offset;
            }
        }
        send(frames);
    }

    /** From now until {@link #recover}, broadcasts wait. */
    void holdForRecovery(long offset) {
        held = new ArrayList<>();
        lastOffset = offset;
    }

    /** Writes the missed broadcasts, then what waited meanwhile, and marks this connection recovered. */
    void recover(List<Recovery.Missed> missed) {
        List<Held> waiting = held;
        held = null;
        recovered = true;
        for (Recovery.Missed m : missed) {
            if (m.exceptSocketId() == null || !m.exceptSocketId().equals(id)) {
                deliver(m.frames(), m.offset());
            }
        }
        if (waiting != null) {
            for (Held h : waiting) {
                deliver(h.frames(), h.offset());
            }
        }
    }

    /** Recovery failed after the socket was set up: what waited goes out, nothing is replayed. */
    void abandonRecovery() {
        List<Held> waiting = held;
        held = null;
        lastOffset = -1;
        if (waiting != null) {
            for (Held h : waiting) {
                deliver(h.frames(), h.offset());
            }
        }
    }

    /** The client has been told it is connected. */
    void opened() {
        open = true;
        Recovery r = namespace.recovery();
        if (r != null && pid != null) {
            r.opened(this);
        }
    }

    private void roomsChanged() {
        Recovery r = namespace.recovery();
        if (open && r != null && pid != null) {
            r.roomsChanged(this);
        }
    }

    /** Joins a room of this socket's namespace. */
    public void join(String room) {
        joinKey(Rooms.key(namespace.name(), room));
    }

    /** Joins a room given by its key ({@link Rooms#key}). */
    void joinKey(String key) {
        execute(() -> {
            if (connected && !rooms.contains(key)) {
                rooms.add(key);
                connection.server().rooms().added(this, key);
                roomsChanged();
            }
        });
    }

    public void leave(String room) {
        String key = Rooms.key(namespace.name(), room);
        execute(() -> {
            if (rooms.remove(key)) {
                connection.server().rooms().removed(this, key);
                roomsChanged();
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
        // the packet's tree is this event's alone (parsed from its text, used by nothing after this): no copy
        data.remove(0);
        handler.handle(this, data, ack);
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
        held = null;
        Recovery r = namespace.recovery();
        if (open && r != null && pid != null) {
            r.closed(this, RECOVERABLE.contains(reason));
        }
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
