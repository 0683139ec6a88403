package com.hushryd.client.offline;

import com.fasterxml.jackson.databind.JsonNode;

/** How the queue sends an action: one attempt, with the signed-in user's token; supplied by the client. */
public interface Sender {
    /**
     * Sends the action once and returns the server's answer; throws {@link com.hushryd.client.HushRydException}
     * ({@code retryable()} tells whether to try again later).
     */
    JsonNode send(QueuedAction action);

    /** The signed-in user, or null. */
    String userId();
}
