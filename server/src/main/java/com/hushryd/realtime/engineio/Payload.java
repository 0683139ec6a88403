package com.hushryd.realtime.engineio;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The HTTP long-polling payload of Engine.IO v4: packets separated by the record separator {@code 0x1e}, binary
 * packets as {@code b} followed by base64.
 */
final class Payload {
    static final byte SEPARATOR = 0x1e;

    private Payload() {
    }

    static Buffer encode(List<Frame> frames) {
        int size = frames.size() - 1;
        for (Frame f : frames) {
            size += f.pollingSize();
        }
        Buffer out = Buffer.buffer(Math.max(size, 0));
        for (int i = 0; i < frames.size(); i++) {
            if (i > 0) {
                out.appendByte(SEPARATOR);
            }
            Frame f = frames.get(i);
            if (f.binary()) {
                out.appendByte((byte) 'b').appendBytes(Base64.getEncoder().encode(f.bytes()));
            } else {
                out.appendBytes(f.bytes());
            }
        }
        return out;
    }

    /** A received packet: text (type character first) or binary message data. */
    record Inbound(String text, byte[] binary) {
    }

    /** Splits a POSTed payload into packets; throws {@link IllegalArgumentException} when it is malformed. */
    static List<Inbound> decode(Buffer body) {
        String text = body.toString(StandardCharsets.UTF_8);
        List<Inbound> frames = new ArrayList<>();
        int start = 0;
        while (start <= text.length()) {
            int end = text.indexOf(SEPARATOR, start);
            if (end < 0) {
                end = text.length();
            }
            String packet = text.substring(start, end);
            if (packet.isEmpty()) {
                throw new IllegalArgumentException("empty packet");
            }
            if (packet.charAt(0) == 'b') {
                frames.add(new Inbound(null, Base64.getDecoder().decode(packet.substring(1))));
            } else {
                frames.add(new Inbound(packet, null));
            }
            start = end + 1;
        }
        return frames;
    }
}
