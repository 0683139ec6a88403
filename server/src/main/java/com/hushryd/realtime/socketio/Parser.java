package com.hushryd.realtime.socketio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hushryd.common.Json;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decodes Socket.IO v5 packets with the validation rules of the reference parser: the packet type, attachment count,
 * namespace, ack id and payload must be well formed, and the payload must suit the type (an object for CONNECT, a
 * non-empty array starting with a non-reserved event name for EVENT, an array for ACK, nothing for DISCONNECT).
 */
public final class Parser {
    static final int MAX_ATTACHMENTS = 256;
    private static final Set<String> RESERVED_EVENTS = Set.of("connect", "connect_error", "disconnect",
            "disconnecting", "newListener", "removeListener");

    private Parser() {
    }

    public static Packet decode(String s) throws ParseException {
        if (s.isEmpty()) {
            throw new ParseException("empty packet");
        }
        PacketType type = PacketType.of(s.charAt(0));
        if (type == null) {
            throw new ParseException("unknown packet type");
        }
        int i = 1;
        int attachments = 0;
        if (type == PacketType.BINARY_EVENT || type == PacketType.BINARY_ACK) {
            int dash = s.indexOf('-', i);
            if (dash < 0 || dash == i || dash - i > 3) {
                throw new ParseException("illegal attachments");
            }
            attachments = digits(s, i, dash, "illegal attachments");
            if (attachments > MAX_ATTACHMENTS) {
                throw new ParseException("too many attachments");
            }
            i = dash + 1;
        }
        String namespace = "/";
        if (i < s.length() && s.charAt(i) == '/') {
            int comma = s.indexOf(',', i);
            int end = comma < 0 ? s.length() : comma;
            namespace = s.substring(i, end);
            i = comma < 0 ? s.length() : comma + 1;
        }
        long ackId = -1;
        int digitsEnd = i;
        while (digitsEnd < s.length() && Character.isDigit(s.charAt(digitsEnd))) {
            digitsEnd++;
        }
        if (digitsEnd > i) {
            if (digitsEnd - i > 15) {
                throw new ParseException("illegal ack id");
            }
            ackId = Long.parseLong(s.substring(i, digitsEnd));
            i = digitsEnd;
        }
        JsonNode data = null;
        if (i < s.length()) {
            try {
                data = Json.MAPPER.readTree(s.substring(i));
            } catch (JsonProcessingException e) {
                throw new ParseException("invalid payload");
            }
            if (!payloadValid(type, data)) {
                throw new ParseException("invalid payload");
            }
        } else if (type == PacketType.EVENT || type == PacketType.BINARY_EVENT || type == PacketType.ACK
                || type == PacketType.BINARY_ACK) {
            throw new ParseException("missing payload");
        }
        if (ackId >= 0 && (type == PacketType.CONNECT || type == PacketType.DISCONNECT
                || type == PacketType.CONNECT_ERROR)) {
            throw new ParseException("unexpected ack id");
        }
        if ((type == PacketType.ACK || type == PacketType.BINARY_ACK) && ackId < 0) {
            throw new ParseException("ack without id");
        }
        return new Packet(type, namespace, ackId, data, attachments);
    }

    private static int digits(String s, int from, int to, String error) throws ParseException {
        int n = 0;
        for (int k = from; k < to; k++) {
            char c = s.charAt(k);
            if (c < '0' || c > '9') {
                throw new ParseException(error);
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static boolean payloadValid(PacketType type, JsonNode data) {
        return switch (type) {
            case CONNECT -> data.isObject();
            case DISCONNECT -> false;
            case CONNECT_ERROR -> data.isTextual() || data.isObject();
            case EVENT, BINARY_EVENT -> data.isArray() && !data.isEmpty()
                    && (data.get(0).isNumber() || (data.get(0).isTextual()
                            && !RESERVED_EVENTS.contains(data.get(0).asText())));
            case ACK, BINARY_ACK -> data.isArray();
        };
    }

    /**
     * Replaces the {@code {"_placeholder":true,"num":n}} objects of a binary packet with its attachments.
     *
     * @throws ParseException if a placeholder points at no attachment
     */
    public static JsonNode reassemble(JsonNode node, List<byte[]> attachments) throws ParseException {
        if (node.isObject()) {
            JsonNode ph = node.get("_placeholder");
            if (ph != null && ph.isBoolean() && ph.booleanValue()) {
                JsonNode num = node.get("num");
                if (num == null || !num.canConvertToInt() || num.intValue() < 0
                        || num.intValue() >= attachments.size()) {
                    throw new ParseException("illegal attachment index");
                }
                return BinaryNode.valueOf(attachments.get(num.intValue()));
            }
            ObjectNode obj = (ObjectNode) node;
            for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                e.setValue(reassemble(e.getValue(), attachments));
            }
            return obj;
        }
        if (node.isArray()) {
            ArrayNode arr = (ArrayNode) node;
            for (int i = 0; i < arr.size(); i++) {
                arr.set(i, reassemble(arr.get(i), attachments));
            }
            return arr;
        }
        return node;
    }
}
