package com.hushryd.realtime.socketio;

/** Thrown by an {@link Authorizer} to refuse a CONNECT; the client gets CONNECT_ERROR with this message and data. */
public final class ConnectRefused extends Exception {
    private final transient Object data;

    public ConnectRefused(String message, Object data) {
        super(message, null, false, false);
        this.data = data;
    }

    public Object data() {
        return data;
    }
}
