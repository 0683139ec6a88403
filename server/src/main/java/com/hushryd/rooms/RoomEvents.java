package com.hushryd.rooms;

/**
 * How a feature emits a realtime event to a room on every node: through this node's realtime gateway, or, in a
 * worker process, through the broker. The one "emit to a room" port features depend on, so that they need no
 * Socket.IO class. Must be thread-safe.
 */
@FunctionalInterface
public interface RoomEvents {
    /**
     * Emits {@code event} with {@code payload} (serialised as JSON) to every socket in {@code room}; throws when it
     * cannot (no gateway or broker in this process; a job then retries).
     */
    void emit(Room room, String event, Object payload) throws Exception;
}
