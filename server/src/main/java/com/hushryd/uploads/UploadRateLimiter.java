package com.hushryd.uploads;

import java.util.UUID;

/**
 * Decides whether a user may ask for one more upload URL (the "upload" rate class of seed 000: 20 per minute per
 * user). Thread-safe; never blocks for long. The node uses {@link LocalUploadRateLimiter} until the shared,
 * cluster-wide limiter of the PROTECT work replaces it behind this interface.
 */
public interface UploadRateLimiter {
    /** Counts one request of {@code userId} and says whether it is allowed. */
    Decision acquire(UUID userId);

    /**
     * @param limit        requests allowed per window
     * @param remaining    requests left in the current window after this one
     * @param resetSeconds seconds until the window ends (and, when refused, until a retry can succeed)
     * @param windowSeconds the window's length
     */
    record Decision(boolean allowed, int limit, int remaining, long resetSeconds, long windowSeconds) {
        /** The {@code RateLimit} and {@code RateLimit-Policy} headers (IETF draft), plus Retry-After when refused. */
        public java.util.Map<String, String> headers() {
            java.util.Map<String, String> h = new java.util.LinkedHashMap<>();
            h.put("RateLimit", "limit=" + limit + ", remaining=" + remaining + ", reset=" + resetSeconds);
            h.put("RateLimit-Policy", limit + ";w=" + windowSeconds);
            if (!allowed) {
                h.put("Retry-After", Long.toString(resetSeconds));
            }
            return h;
        }
    }
}
