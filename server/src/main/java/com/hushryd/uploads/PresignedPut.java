package com.hushryd.uploads;

import java.net.URI;
import java.time.Instant;
import java.util.Map;

/**
 * A single-use upload URL and the headers the client must send with it (besides {@code Content-Length}, which every
 * HTTP client sets from the body).
 */
public record PresignedPut(URI url, Map<String, String> headers, Instant expiresAt) {
    public PresignedPut {
        headers = Map.copyOf(headers);
    }
}
