package com.hushryd.client.realtime;

/** {@code chat:typing}: a participant of the conversation is typing. */
public record Typing(String conversationId, String userId) {
}
