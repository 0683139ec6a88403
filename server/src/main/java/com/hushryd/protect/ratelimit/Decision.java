package com.hushryd.protect.ratelimit;

/**
 * The answer to one rate-limit request.
 *
 * @param remaining   requests still allowed right now (0 when refused)
 * @param resetMillis until the quota is whole again (allowed) or until the next request may pass (refused)
 * @param strikes     the bucket's current strikes (see {@link Penalties})
 */
public record Decision(boolean allowed, long remaining, long resetMillis, int strikes) {
    /** Whole seconds until the next request may pass, at least 1 (for {@code Retry-After}). */
    public long retryAfterSeconds() {
        return Math.max(1, (resetMillis + 999) / 1000);
    }

    /** Whole seconds until the quota resets, for the {@code RateLimit} header's {@code t}. */
    public long resetSeconds() {
        return (resetMillis + 999) / 1000;
    }
}
