package com.hushryd.realtime.socketio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import com.hushryd.common.Json;
import com.hushryd.realtime.engineio.Frame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Encodes Socket.IO packets into Engine.IO frames, once per packet however many sockets receive it. Arguments are
 * serialised with Jackson; {@code byte[]} arguments and {@code BinaryNode}s inside {@code JsonNode} arguments become
 * binary attachments.
 */
public final class Encoder {
    private Encoder() {
    }

    /** An EVENT (or BINARY_EVENT) with these arguments. */
    public static List<Frame> event(String namespace, long ackId, String event, Object... args) {
        Object[] all = new Object[args.length + 1];
        all[0] = event;
        System.arraycopy(args, 0, all, 1, args.length);
        return packet(PacketType.EVENT, namespace, ackId, all);
    }

    /** An ACK (or BINARY_ACK) carrying these arguments. */
    public static List<Frame> ack(String namespace, long ackId, Object... args) {
        return packet(PacketType.ACK, namespace, ackId, args);
    }

    public static List<Frame> connect(String namespace, String sid) {
        return connect(namespace, sid, null);
    }

    /** CONNECT with the private session id a client recovers with ({@code pid}; null: recovery off). */
    public static List<Frame> connect(String namespace, String sid, String pid) {
        String body = pid == null ? "{\"sid\":\"" + sid + "\"}" : "{\"sid\":\"" + sid + "\",\"pid\":\"" + pid + "\"}";
        return List.of(text(PacketType.CONNECT, 0, namespace, -1, body.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The frames of a numbered broadcast: the event's arguments get the offset as a last string argument (where the
     * official clients read it). Done once per broadcast and node, on the encoded bytes: the first frame is the
     * packet's text, ending with the closing bracket of its argument array.
     */
    public static List<Frame> withOffset(List<Frame> frames, long offset) {
        byte[] text = frames.get(0).bytes();
        byte[] suffix = (",\"" + offset + "\"]").getBytes(StandardCharsets.US_ASCII);
        if (frames.get(0).binary() || text.length == 0 || text[text.length - 1] != ']') {
            throw new IllegalArgumentException("not an event packet");
        }
        byte[] out = java.util.Arrays.copyOf(text, text.length - 1 + suffix.length);
        System.arraycopy(suffix, 0, out, text.length - 1, suffix.length);
        if (frames.size() == 1) {
            return List.of(new Frame(false, out));
        }
        List<Frame> all = new ArrayList<>(frames);
        all.set(0, new Frame(false, out));
        return all;
    }

    public static List<Frame> connectError(String namespace, String message, Object data) {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("message", message);
        if (data != null) {
            body.set("data", Json.MAPPER.valueToTree(data));
        }
        return List.of(text(PacketType.CONNECT_ERROR, 0, namespace, -1, bytes(body)));
    }

    public static List<Frame> disconnect(String namespace) {
        return List.of(text(PacketType.DISCONNECT, 0, namespace, -1, null));
    }

    private static List<Frame> packet(PacketType plain, String namespace, long ackId, Object[] array) {
        Frame raw = preEncoded(plain, namespace, ackId, array);
        if (raw != null) {
            return List.of(raw);
        }
        if (!hasBinary(array)) {
            return List.of(text(plain, 0, namespace, ackId, bytes(array)));
        }
        List<byte[]> attachments = new ArrayList<>();
        ArrayNode tree = JsonNodeFactory.instance.arrayNode();
        for (Object o : array) {
            tree.add(extract(Json.MAPPER.valueToTree(o), attachments));
        }
        PacketType binaryType = plain == PacketType.EVENT ? PacketType.BINARY_EVENT : PacketType.BINARY_ACK;
        List<Frame> frames = new ArrayList<>(attachments.size() + 1);
        frames.add(text(binaryType, attachments.size(), namespace, ackId, bytes(tree)));
        for (byte[] a : attachments) {
            frames.add(Frame.binary(a));
        }
        return frames;
    }

    /**
     * The array's JSON written directly when it holds only pre-encoded JSON ({@link RawValue} of a string) and plain
     * strings: the hot events (a location update and its ack) are already JSON text, and Jackson's serializer lookup
     * for an {@code Object[]} cost more than the text itself. Null when anything else is in it. Same bytes as Jackson.
     */
    private static Frame preEncoded(PacketType type, String namespace, long ackId, Object[] array) {
        int length = 24 + namespace.length();
        for (Object o : array) {
            if (o instanceof RawValue r && r.rawValue() instanceof String raw && !surrogates(raw)) {
                length += raw.length() + 1;
            } else if (o instanceof String str && plainAscii(str)) {
                length += str.length() + 3;
            } else {
                return null;
            }
        }
        StringBuilder sb = new StringBuilder(length);
        sb.append('4').append(type.code());
        if (!"/".equals(namespace)) {
            sb.append(namespace).append(',');
        }
        if (ackId >= 0) {
            sb.append(ackId);
        }
        sb.append('[');
        for (int i = 0; i < array.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            if (array[i] instanceof RawValue r) {
                sb.append((String) r.rawValue());
            } else {
                sb.append('"').append((String) array[i]).append('"');
            }
        }
        return new Frame(false, sb.append(']').toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Jackson writes a lone surrogate in raw text its own way: leave those (never seen on the hot path) to it. */
    private static boolean surrogates(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** A string that JSON writes as it is between quotes: printable ASCII without a quote or backslash. */
    private static boolean plainAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private static boolean hasBinary(Object[] array) {
        for (Object o : array) {
            if (o instanceof byte[] || (o instanceof JsonNode n && containsBinary(n))) {
                return true;
            }
        }
        return false;
    }

    private static boolean containsBinary(JsonNode n) {
        if (n.isBinary()) {
            return true;
        }
        if (n.isContainerNode()) {
            for (JsonNode child : n) {
                if (containsBinary(child)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static JsonNode extract(JsonNode n, List<byte[]> attachments) {
        if (n.isBinary()) {
            ObjectNode ph = JsonNodeFactory.instance.objectNode();
            ph.put("_placeholder", true);
            ph.put("num", attachments.size());
            try {
                attachments.add(n.binaryValue());
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return ph;
        }
        if (n.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                copy.set(e.getKey(), extract(e.getValue(), attachments));
            }
            return copy;
        }
        if (n.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            for (JsonNode child : n) {
                copy.add(extract(child, attachments));
            }
            return copy;
        }
        return n;
    }

    private static byte[] bytes(Object value) {
        try {
            return Json.MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode Socket.IO payload: " + e.getOriginalMessage(), e);
        }
    }

    /** {@code 4} (Engine.IO message) + type + [attachments-] + [namespace,] + [ack id] + json. */
    private static Frame text(PacketType type, int attachments, String namespace, long ackId, byte[] json) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + namespace.length() + (json == null ? 0 : json.length));
        out.write('4');
        out.write(type.code());
        if (type == PacketType.BINARY_EVENT || type == PacketType.BINARY_ACK) {
            writeAscii(out, attachments + "-");
        }
        if (!"/".equals(namespace)) {
            writeAscii(out, namespace);
            out.write(',');
        }
        if (ackId >= 0) {
            writeAscii(out, Long.toString(ackId));
        }
        if (json != null) {
            out.writeBytes(json);
        }
        return new Frame(false, out.toByteArray());
    }

    private static void writeAscii(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
