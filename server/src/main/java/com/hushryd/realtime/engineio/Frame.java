package com.hushryd.realtime.engineio;

import java.nio.charset.StandardCharsets;

/**
 * One Engine.IO packet as it goes on the wire: a text packet including its type character (e.g. {@code 42["a"]}),
 * or the raw bytes of a binary message. Immutable once built, so one frame is written to many sockets.
 */
public record Frame(boolean binary, byte[] bytes) {
    public static final Frame PING = text("2");
    public static final Frame PONG = text("3");
    public static final Frame NOOP = text("6");
    public static final Frame CLOSE = text("1");

    public static Frame text(String packet) {
        return new Frame(false, packet.getBytes(StandardCharsets.UTF_8));
    }

    public static Frame binary(byte[] bytes) {
        return new Frame(true, bytes);
    }

    /** Bytes this frame takes in a polling payload (binary frames are base64-encoded there). */
    int pollingSize() {
        return binary ? 1 + (bytes.length + 2) / 3 * 4 : bytes.length;
    }

    @Override
    public String toString() {
        return binary ? "<" + bytes.length + " bytes>" : new String(bytes, StandardCharsets.UTF_8);
    }
}
