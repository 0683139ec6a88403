package com.hushryd.realtime.socketio;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A decoded Socket.IO packet.
 *
 * @param ackId       the acknowledgement id, or -1
 * @param data        the JSON payload (binary attachments as {@code BinaryNode}s once reassembled), or null
 * @param attachments how many binary attachments follow (BINARY_EVENT / BINARY_ACK)
 */
public record Packet(PacketType type, String namespace, long ackId, JsonNode data, int attachments) {
}
