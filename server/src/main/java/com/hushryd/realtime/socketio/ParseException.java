package com.hushryd.realtime.socketio;

/** A packet that does not follow the Socket.IO protocol; its connection is closed. */
public final class ParseException extends Exception {
    public ParseException(String message) {
        super(message, null, false, false);
    }
}
