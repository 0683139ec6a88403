package com.hushryd.realtime;

import com.hushryd.rooms.Room;
import com.hushryd.realtime.Broker.Control;
import com.hushryd.realtime.engineio.EngineServer;
import com.hushryd.realtime.engineio.Frame;
import com.hushryd.realtime.socketio.Encoder;
import com.hushryd.realtime.socketio.Rooms;
import com.hushryd.realtime.socketio.SioSocket;
import com.hushryd.realtime.socketio.SocketIoServer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server-side API of the realtime layer (seed 001's WebSocketClusterService): broadcast to a room or a user on
 * every node, move sockets between rooms anywhere in the cluster, and report connection statistics. A broadcast is
 * encoded once; this node writes the same bytes to its local members and the broker carries them to the others.
 * Thread-safe; nothing blocks.
 */
public final class RealtimeGateway implements Broker.Receiver {
    private static final String SOCKET_PREFIX = "#socket:";

    private final SocketIoServer io;
    private final EngineServer engine;
    private final Broker broker;
    private final String nodeId;
    private final AtomicLong broadcasts = new AtomicLong();

    public RealtimeGateway(SocketIoServer io, EngineServer engine, Broker broker, String nodeId) {
        this.io = io;
        this.engine = engine;
        this.broker = broker;
        this.nodeId = nodeId;
        io.rooms().listener(new Rooms.RoomListener() {
            @Override
            public void firstJoined(String room) {
                broker.subscribe(room);
            }

            @Override
            public void lastLeft(String room) {
                broker.unsubscribe(room);
            }
        });
        broker.start(this);
    }

    public Broker broker() {
        return broker;
    }

    /**
     * Emits {@code event} to every socket in the room (main namespace) on every node. With connection state recovery
     * on, the broadcast is numbered: a client that reconnects within the window gets it if it missed it.
     */
    public void broadcastToRoom(String room, String event, Object... args) {
        deliverRecoverable(room, Encoder.event("/", -1, event, args), null);
    }

    /** Like {@link #broadcastToRoom}, skipping one socket (typically the sender). */
    public void broadcastToRoomExcept(String room, String exceptSocketId, String event, Object... args) {
        deliverRecoverable(room, Encoder.event("/", -1, event, args), exceptSocketId);
    }

    /**
     * Like {@link #broadcastToRoomExcept}, for what is worth nothing once missed (typing indicators): never numbered,
     * never replayed.
     */
    public void broadcastVolatile(String room, String exceptSocketId, String event, Object... args) {
        deliver(room, Encoder.event("/", -1, event, args), exceptSocketId);
    }

    /** Emits to every socket of the user, on every node. */
    public void broadcastToUser(UUID userId, String event, Object... args) {
        broadcastToRoom(Room.user(userId).name(), event, args);
    }

    /**
     * A broadcast to one room encoded once, ready to go: to every node's sockets in the room, or with
     * {@link #toOtherNodes()} to every node's but this one's (what this node's sockets already had).
     */
    public final class Prepared {
        private final String room;
        private final List<Frame> frames;
        private final boolean here;
        private final Executor deliverOn;

        private Prepared(String room, List<Frame> frames, boolean here, Executor deliverOn) {
            this.room = room;
            this.frames = frames;
            this.here = here;
            this.deliverOn = deliverOn;
        }

        public String room() {
            return room;
        }

        /** The same broadcast, not for this node's sockets. */
        public Prepared toOtherNodes() {
            return new Prepared(room, frames, false, deliverOn);
        }

        /**
         * The same broadcast, delivered to this node's sockets by {@link #publishLatest} on {@code executor} (a socket
         * passes its own event loop) rather than on the broker's I/O thread, which then only reads replies: one I/O
         * thread serves every Redis command of the node.
         */
        public Prepared deliveringOn(Executor executor) {
            return new Prepared(room, frames, here, executor);
        }

        /** Sends it now (to this node's sockets and through the broker to the others). */
        public void deliver() {
            broadcasts.incrementAndGet();
            if (here) {
                io.rooms().deliver(room, frames, null);
            }
            broker.publish(room, frames, null);
        }

        /**
         * Sends it to this node's sockets only: its sender could not share it (the location store kept it on this
         * node while Redis was unreachable, and shares it when Redis returns).
         */
        public void deliverOnThisNode() {
            broadcasts.incrementAndGet();
            io.rooms().deliver(room, frames, null);
        }

        /**
         * Stores {@code value} as the room's latest state if {@code version} is newer and, if and only if it is,
         * sends the broadcast, in one step through the broker ({@link Broker#publishLatest}); this node's sockets get
         * it once the broker has stored it, on the {@link #deliveringOn} executor or else on the thread completing the
         * stage. Completes with whether it was newer;
         * fails when the broker's engine cannot be reached or does not answer in time (this node's sockets did not get
         * it then; the other nodes' did only if the engine ran it).
         */
        public CompletionStage<Boolean> publishLatest(long version, String value, Duration ttl) {
            java.util.function.Function<Boolean, Boolean> delivered = newer -> {
                if (newer) {
                    broadcasts.incrementAndGet();
                    if (here) {
                        io.rooms().deliver(room, frames, null);
                    }
                }
                return newer;
            };
            CompletionStage<Boolean> stored = broker.publishLatest(room, version, value, ttl, frames);
            return deliverOn == null ? stored.thenApply(delivered) : stored.thenApplyAsync(delivered, deliverOn);
        }
    }

    public Prepared prepare(String room, String event, Object... args) {
        return new Prepared(room, Encoder.event("/", -1, event, args), true, null);
    }

    /** The room's latest state, as the last newer {@link Prepared#publishLatest} on any node stored it. */
    public CompletionStage<Optional<Broker.Latest>> latest(String room) {
        return broker.latest(room);
    }

    private void deliverRecoverable(String room, List<Frame> frames, String except) {
        if (broker.publishNumbered(room, frames, except)) {
            broadcasts.incrementAndGet(); // this node's sockets get it back from the broker, numbered
            return;
        }
        deliver(room, frames, except);
    }

    private void deliver(String room, List<Frame> frames, String except) {
        broadcasts.incrementAndGet();
        io.rooms().deliver(room, frames, except);
        broker.publish(room, frames, except);
    }

    /**
     * Emits to one socket of this node and completes with the client's acknowledgement, or with null when it does not
     * answer within the timeout or disconnects.
     */
    public java.util.concurrent.CompletableFuture<com.fasterxml.jackson.databind.node.ArrayNode> request(
            String socketId, String event, java.time.Duration timeout, Object... args) {
        java.util.concurrent.CompletableFuture<com.fasterxml.jackson.databind.node.ArrayNode> answer =
                new java.util.concurrent.CompletableFuture<>();
        SioSocket s = io.socket(socketId).orElseThrow(() -> new IllegalArgumentException(
                "socket " + socketId + " is not connected to this node"));
        s.emitWithAck(event, timeout, answer::complete, args);
        return answer;
    }

    /** Makes a socket, on whichever node holds it, join a room. */
    public void joinRoom(String socketId, String room) {
        Optional<SioSocket> local = io.socket(socketId);
        if (local.isPresent()) {
            local.get().join(room);
        } else {
            broker.publishControl(new Control(Control.Op.JOIN, SOCKET_PREFIX + socketId, room));
        }
    }

    public void leaveRoom(String socketId, String room) {
        Optional<SioSocket> local = io.socket(socketId);
        if (local.isPresent()) {
            local.get().leave(room);
        } else {
            broker.publishControl(new Control(Control.Op.LEAVE, SOCKET_PREFIX + socketId, room));
        }
    }

    /** Every socket in {@code room}, on every node, joins {@code target}. */
    public void socketsJoin(String room, String target) {
        Control c = new Control(Control.Op.JOIN, room, target);
        onControl(c);
        broker.publishControl(c);
    }

    /** Every socket in {@code room}, on every node, leaves {@code target}. */
    public void socketsLeave(String room, String target) {
        Control c = new Control(Control.Op.LEAVE, room, target);
        onControl(c);
        broker.publishControl(c);
    }

    /** Disconnects every socket in the room, on every node. */
    public void disconnectSockets(String room) {
        Control c = new Control(Control.Op.DISCONNECT, room, null);
        onControl(c);
        broker.publishControl(c);
    }

    @Override
    public void onBroadcast(String room, List<Frame> frames, String exceptSocketId) {
        io.rooms().deliver(room, frames, exceptSocketId);
    }

    @Override
    public void onNumbered(String room, List<Frame> frames, String exceptSocketId, long offset) {
        if (io.rooms().hasLocalMembers(room)) {
            io.rooms().deliver(room, Encoder.withOffset(frames, offset), exceptSocketId, offset);
        }
    }

    @Override
    public void onControl(Control c) {
        if (c.room().startsWith(SOCKET_PREFIX)) {
            io.socket(c.room().substring(SOCKET_PREFIX.length())).ifPresent(s -> apply(c, s));
        } else {
            io.rooms().forEach(c.room(), s -> apply(c, s));
        }
    }

    private static void apply(Control c, SioSocket s) {
        switch (c.op()) {
            case JOIN -> s.join(c.target());
            case LEAVE -> s.leave(c.target());
            case DISCONNECT -> s.disconnect();
        }
    }

    /** Connection statistics of this node. */
    public ConnectionStats connectionStats() {
        Broker.Stats b = broker.stats();
        return new ConnectionStats(nodeId, engine.sessions(), engine.webSocketSessions(), io.socketCount(),
                io.rooms().size(), broadcasts.get(), broker.name(), broker.connected(), b.published(), b.received(),
                b.dropped(), b.held(), engine.slowConsumerDisconnects(), io.protocolErrors());
    }

    /**
     * @param connections       Engine.IO sessions
     * @param webSockets        of which on WebSocket (the rest long-polling)
     * @param sockets           Socket.IO namespace connections
     * @param rooms             rooms with a local member
     * @param broadcasts        broadcasts originated here
     * @param brokerDropped     broker messages that never reached the other nodes
     * @param brokerHeld        broker messages waiting for Redis to return
     * @param slowConsumerDisconnects clients disconnected for not keeping up
     * @param protocolErrors    connections closed for malformed packets
     */
    public record ConnectionStats(String nodeId, int connections, int webSockets, int sockets, int rooms,
            long broadcasts, String broker, boolean brokerConnected, long brokerPublished, long brokerReceived,
            long brokerDropped, int brokerHeld, long slowConsumerDisconnects, long protocolErrors) {
    }
}
