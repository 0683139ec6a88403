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

    record Decoded(String nodeId, List<Frame> frames, String exceptSocketId, Control control) {
    }

    private Envelope() {
    }

    static byte[] broadcast(String nodeId, List<Frame> frames, String except) {
        byte[] node = nodeId.getBytes(StandardCharsets.UTF_8);
        byte[] ex = except == null ? new byte[0] : except.getBytes(StandardCharsets.UTF_8);
        int size = 1 + 2 + node.length + 1 + 2 + ex.length + 4;
        for (Frame f : frames) {
            size += 1 + 4 + f.bytes().length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(VERSION).putShort((short) node.length).put(node).put(BROADCAST).putShort((short) ex.length).put(ex)
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
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            if (b.get() != VERSION) {
                throw new IllegalArgumentException("unknown envelope version");
            }
            String node = string(b);
            byte kind = b.get();
            if (kind == BROADCAST) {
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
                return new Decoded(node, frames, except.isEmpty() ? null : except, null);
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

    private static String string(ByteBuffer b) {
        byte[] s = new byte[b.getShort() & 0xFFFF];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
