package com.hushryd.realtime.engineio;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One Engine.IO packet as it goes on the wire: a text packet including its type character (e.g. {@code 42["a"]}),
 * or the raw bytes of a binary message. Immutable once built, so one frame is written to many sockets; over
 * WebSocket its whole frame (header and payload) is encoded once and shared by every socket after the first
 * (decision 0079).
 */
public final class Frame {
    public static final Frame PING = text("2");
    public static final Frame PONG = text("3");
    public static final Frame NOOP = text("6");
    public static final Frame CLOSE = text("1");

    private final boolean binary;
    private final byte[] bytes;
    /** Set once a second socket needs the WebSocket frame (racy but benign: any copy is the same bytes). */
    private volatile ByteBuf shared;
    private boolean writtenOnce;

    public Frame(boolean binary, byte[] bytes) {
        this.binary = binary;
        this.bytes = bytes;
    }

    public static Frame text(String packet) {
        return new Frame(false, packet.getBytes(StandardCharsets.UTF_8));
    }

    public static Frame binary(byte[] bytes) {
        return new Frame(true, bytes);
    }

    public boolean binary() {
        return binary;
    }

    public byte[] bytes() {
        return bytes;
    }

    /** Bytes this frame takes in a polling payload (binary frames are base64-encoded there). */
    int pollingSize() {
        return binary ? 1 + (bytes.length + 2) / 3 * 4 : bytes.length;
    }

    /**
     * The whole unmasked, final, uncompressed WebSocket frame of this packet, as a buffer the caller owns (one
     * reference; the channel releases it once written). The first socket gets a pooled buffer of its own (most
     * frames go to one socket); from the second on, every socket gets a duplicate of one shared direct buffer,
     * encoded once. The shared buffer is never released: it wraps a JDK direct buffer that the garbage collector
     * frees with this frame, so no reference count can leak native memory.
     */
    ByteBuf webSocketFrame(ByteBufAllocator alloc) {
        ByteBuf s = shared;
        if (s != null) {
            return s.retainedDuplicate();
        }
        int size = headerSize() + bytes.length;
        if (!writtenOnce) {
            writtenOnce = true;
            ByteBuf own = alloc.directBuffer(size, size);
            writeHeader(own);
            own.writeBytes(bytes);
            return own;
        }
        ByteBuffer direct = ByteBuffer.allocateDirect(size);
        ByteBuf buf = Unpooled.wrappedBuffer(direct);
        buf.clear();
        writeHeader(buf);
        buf.writeBytes(bytes);
        shared = buf;
        return buf.retainedDuplicate();
    }

    private int headerSize() {
        int n = bytes.length;
        return n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
    }

    private void writeHeader(ByteBuf out) {
        out.writeByte(0x80 | (binary ? 0x2 : 0x1)); // FIN, opcode
        int n = bytes.length;
        if (n < 126) {
            out.writeByte(n);
        } else if (n <= 0xFFFF) {
            out.writeByte(126);
            out.writeShort(n);
        } else {
            out.writeByte(127);
            out.writeLong(n);
        }
    }

    @Override
    public boolean equals(Object o) {
        // as the record this was: the same kind and the same array
        return o instanceof Frame f && f.binary == binary && f.bytes == bytes;
    }

    @Override
    public int hashCode() {
        return 31 * Boolean.hashCode(binary) + System.identityHashCode(bytes);
    }

    @Override
    public String toString() {
        return binary ? "<" + bytes.length + " bytes>" : new String(bytes, StandardCharsets.UTF_8);
    }
}
