package com.hushryd.realtime.socketio;

/** Socket.IO v5 packet types. */
public enum PacketType {
    CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK;

    static PacketType of(char c) {
        int i = c - '0';
        return i >= 0 && i < 7 ? values()[i] : null;
    }

    char code() {
        return (char) ('0' + ordinal());
    }
}
