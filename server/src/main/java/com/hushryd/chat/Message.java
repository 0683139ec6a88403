package com.hushryd.chat;

import java.time.Instant;
import java.util.UUID;

/** A chat message. Ids are time-ordered (UUID v7), so id order is send order. */
public record Message(UUID id, UUID conversationId, UUID senderId, String text, Instant createdAt,
        String clientMessageId) {
}
