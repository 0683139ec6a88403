package com.hushryd.uploads;

import java.net.URI;
import java.time.Instant;
import java.util.Objects;

/**
 * What a presigned upload allows.
 *
 * @param origin the scheme and authority at which the client reached this node (e.g. {@code http://10.0.0.5:8080});
 *               a store that receives uploads itself builds its URL on it unless configured with a public URL
 */
public record PutRequest(String key, String contentType, long size, Instant expiresAt, URI origin) {
    public PutRequest {
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(expiresAt, "expiresAt");
        if (!ObjectStore.validKey(key)) {
            throw new IllegalArgumentException("bad object key '" + key + "'");
        }
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative");
        }
    }
}
