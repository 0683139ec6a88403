package com.hushryd.client.model;

import java.time.Instant;

/** A chat message of a conversation (one conversation per booking, its id the booking's). */
public record Message(String id, String conversationId, String senderId, String text, Instant createdAt,
        String clientMessageId) {
}
