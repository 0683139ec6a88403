package com.hushryd.sos;

/**
 * Emits a socket event to a room on every node: through this node's realtime gateway, or, in a worker process, through
 * the broker. Throws when neither is available (a job then retries).
 */
@FunctionalInterface
public interface RoomSink {
    void emit(String room, String event, Object payload) throws Exception;
}
