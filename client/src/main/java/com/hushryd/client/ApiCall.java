package com.hushryd.client;

/**
 * One logical API call: method, path under the base URL, JSON body (or null), and its idempotency key (null for
 * reads). The key is chosen once per logical action and sent with every attempt, so the server runs it at most once.
 */
public record ApiCall(String method, String path, Object body, String idempotencyKey) {
    public static ApiCall get(String path) {
        return new ApiCall("GET", path, null, null);
    }

    /** Whether an attempt whose answer was lost may be sent again: reads, PUT, and any call carrying a key. */
    public boolean safeToRepeat() {
        return idempotencyKey != null || method.equals("GET") || method.equals("PUT");
    }
}
