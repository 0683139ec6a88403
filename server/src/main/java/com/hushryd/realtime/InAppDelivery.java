package com.hushryd.realtime;

import com.hushryd.rooms.Room;
import com.hushryd.rooms.RoomEvents;
import com.hushryd.realtime.socketio.Encoder;
import com.hushryd.realtime.engineio.Frame;
import java.util.List;

/**
 * In-app notifications through the realtime layer: to the user's sockets on every node via this node's gateway, or,
 * in a worker process that has no gateway, published straight to the user's room through the broker. Until either
 * is attached, delivery fails and the notification job is retried (then falls back to the development outbox).
 */
public final class InAppDelivery implements RoomEvents {
    private volatile RealtimeGateway gateway;
    private volatile Broker publisher;

    /** Delivers through this node's gateway (a node that serves sockets). */
    public void attach(RealtimeGateway g) {
        this.gateway = g;
    }

    /** Delivers by publishing to the user's room on the broker (a worker process with Redis). */
    public void attach(Broker b) {
        this.publisher = b;
    }

    /** Emits to every socket in {@code room}, on every node. */
    @Override
    public void emit(Room target, String event, Object payload) {
        String room = target.name();
        RealtimeGateway g = gateway;
        if (g != null) {
            g.broadcastToRoom(room, event, payload);
            return;
        }
        Broker b = publisher;
        if (b != null) {
            List<Frame> frames = Encoder.event("/", -1, event, payload);
            if (!b.publishNumbered(room, frames, null)) {
                b.publish(room, frames, null);
            }
            return;
        }
        throw new IllegalStateException("no realtime gateway or broker in this process");
    }
}
