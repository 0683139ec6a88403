package com.hushryd.realtime.socketio;

/** The acknowledgement a client asked for: sends at most once, from any thread. */
@FunctionalInterface
public interface Ack {
    void send(Object... args);
}
