package com.hushryd.realtime.socketio;

import com.fasterxml.jackson.databind.node.ArrayNode;

/** What to do with a client's answer to a server event sent with an ack. */
@FunctionalInterface
public interface AckCallback {
    /** @param args the client's answer, or null if it did not answer in time or disconnected */
    void onAck(ArrayNode args);
}
