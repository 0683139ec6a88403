package com.hushryd.notify;

import java.util.UUID;

/**
 * Where in-app notifications go: the realtime gateway emits {@code event} with {@code payload} to the user's room
 * ({@code user:{userId}}). Must be thread-safe; throwing fails the attempt (the job is retried).
 */
public interface InAppSink {
    void deliver(UUID userId, String event, Object payload) throws Exception;
}
