package com.hushryd.client.offline;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An action in the offline queue: its place ({@code seq}, the order it is sent in), the HTTP call it makes with its
 * idempotency key (fixed when it was queued, so however often it is sent, it happens once), the user it belongs to
 * (it is only sent while that user is signed in) and when it was queued (epoch ms).
 */
public record QueuedAction(long seq, ActionType type, String method, String path, JsonNode body,
        String idempotencyKey, String userId, long queuedAt) {
    public QueuedAction {
        body = body == null || body.isNull() ? null : body;
    }
}
