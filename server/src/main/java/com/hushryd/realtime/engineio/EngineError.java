package com.hushryd.realtime.engineio;

/** The errors Engine.IO answers with HTTP 400 and {@code {"code":N,"message":"..."}}, as the reference server does. */
enum EngineError {
    UNKNOWN_TRANSPORT(0, "Transport unknown"),
    UNKNOWN_SID(1, "Session ID unknown"),
    BAD_HANDSHAKE_METHOD(2, "Bad handshake method"),
    BAD_REQUEST(3, "Bad request"),
    FORBIDDEN(4, "Forbidden"),
    UNSUPPORTED_PROTOCOL_VERSION(5, "Unsupported protocol version");

    final int code;
    final String message;

    EngineError(int code, String message) {
        this.code = code;
        this.message = message;
    }

    String json() {
        return "{\"code\":" + code + ",\"message\":\"" + message + "\"}";
    }
}
