package com.hushryd.client.model;

import java.time.Instant;

/** An uploaded document: {@code status} pending, processing, verified or rejected ({@code reason}). */
public record Document(String id, String key, String documentType, String contentType, long size, String status,
        String reason, Instant createdAt) {
}
