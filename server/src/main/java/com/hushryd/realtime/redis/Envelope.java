package com.hushryd.realtime.redis;

import com.hushryd.realtime.Broker.Control;
import com.hushryd.realtime.engineio.Frame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of a broker message on Redis: version, publisher node id, kind, then either the excepted socket
 * id and the Engine.IO frames of a broadcast, or a membership command.
 */
final class Envelope {
    static final byte VERSION = 1;
    static final byte BROADCAST = 0;
    static final byte CONTROL = 1;
    /**
     * A broadcast numbered for connection state recovery: laid out as {@link #BROADCAST}, followed on the pub/sub
     * channel by its offset in ASCII digits (appended by the script that numbers it; absent in the stored copy).
     */
    static final byte NUMBERED = 2;

    record Decoded(String nodeId, List<Frame> frames, String exceptSocketId, Control control, long offset) {
        Decoded(String nodeId, List<Frame> frames, String exceptSocketId, Control control) {
            this(nodeId, frames, exceptSocketId, control, -1);
        }

        boolean numbered() {
            return offset >= 0;
        }
    }

    private Envelope() {
    }

    static byte[] broadcast(String nodeId, List<Frame> frames, String except) {
        return broadcast(nodeId, frames, except, BROADCAST);
    }

    /** A numbered broadcast without its offset (the script that numbers it appends it). */
    static byte[] numbered(String nodeId, List<Frame> frames, String except) {
        return broadcast(nodeId, frames, except, NUMBERED);
    }

    private static byte[] broadcast(String nodeId, List<Frame> frames, String except, byte kind) {
        byte[] node = nodeId.getBytes(StandardCharsets.UTF_8);
        byte[] ex = except == null ? new byte[0] : except.getBytes(StandardCharsets.UTF_8);
        int size = 1 + 2 + node.length + 1 + 2 + ex.length + 4;
        for (Frame f : frames) {
            size += 1 + 4 + f.bytes().length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(VERSION).putShort((short) node.length).put(node).put(kind).putShort((short) ex.length).put(ex)
                .putInt(frames.size());
        for (Frame f : frames) {
            b.put((byte) (f.binary() ? 1 : 0)).putInt(f.bytes().length).put(f.bytes());
        }
        return b.array();
    }

    static byte[] control(String nodeId, Control c) {
        byte[] node = nodeId.getBytes(StandardCharsets.UTF_8);
        byte[] room = c.room().getBytes(StandardCharsets.UTF_8);
        byte[] target = c.target() == null ? new byte[0] : c.target().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 2 + node.length + 1 + 1 + 2 + room.length + 2 + target.length);
        b.put(VERSION).putShort((short) node.length).put(node).put(CONTROL).put((byte) c.op().ordinal())
                .putShort((short) room.length).put(room).putShort((short) target.length).put(target);
        return b.array();
    }

    /** @throws IllegalArgumentException when the bytes are not an envelope of this version */
    static Decoded decode(byte[] bytes) {
        return decode(bytes, -1);
    }

    /**
     * @param storedOffset the offset of a numbered broadcast read from its stream (its bytes carry none), or -1
     * @throws IllegalArgumentException when the bytes are not an envelope of this version
     */
    static Decoded decode(byte[] bytes, long storedOffset) {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            if (b.get() != VERSION) {
                throw new IllegalArgumentException("unknown envelope version");
            }
            String node = string(b);
            byte kind = b.get();
            if (kind == BROADCAST || kind == NUMBERED) {
                String except = string(b);
                int n = b.getInt();
                if (n < 0 || n > 1024) {
                    throw new IllegalArgumentException("bad frame count");
                }
                List<Frame> frames = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    boolean binary = b.get() == 1;
                    byte[] data = new byte[b.getInt()];
                    b.get(data);
                    frames.add(new Frame(binary, data));
                }
                long offset = -1;
                if (kind == NUMBERED) {
                    offset = b.hasRemaining() ? digits(b) : storedOffset;
                    if (offset < 0) {
                        throw new IllegalArgumentException("numbered broadcast without its offset");
                    }
                }
                return new Decoded(node, frames, except.isEmpty() ? null : except, null, offset);
            }
            if (kind == CONTROL) {
                Control.Op op = Control.Op.values()[b.get()];
                String room = string(b);
                String target = string(b);
                return new Decoded(node, null, null, new Control(op, room, target.isEmpty() ? null : target));
            }
            throw new IllegalArgumentException("unknown envelope kind");
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("malformed envelope", e);
        }
    }

    private static long digits(ByteBuffer b) {
        if (b.remaining() > 18) {
            throw new IllegalArgumentException("bad offset");
        }
        long n = 0;
        while (b.hasRemaining()) {
            byte c = b.get();
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("bad offset");
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static String string(ByteBuffer b) {
        byte[] s = new byte[b.getShort() & 0xFFFF];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
