package com.hushryd.client.model;

import java.time.Instant;
import java.util.Map;

/** A presigned, single-use upload URL: PUT the file there with these headers, then complete the key. */
public record UploadUrl(String uploadUrl, String method, String key, Instant expiresAt, Map<String, String> headers,
        long maxSize) {
}
