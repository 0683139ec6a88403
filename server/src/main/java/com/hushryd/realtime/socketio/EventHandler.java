package com.hushryd.realtime.socketio;

import com.fasterxml.jackson.databind.node.ArrayNode;

/** Handles one client event on a namespace. Runs on the socket's event loop: blocking work must be handed off. */
@FunctionalInterface
public interface EventHandler {
    /**
     * @param args the event's arguments, without the event name
     * @param ack  how to answer, or null when the client asked for no acknowledgement
     */
    void handle(SioSocket socket, ArrayNode args, Ack ack);
}
