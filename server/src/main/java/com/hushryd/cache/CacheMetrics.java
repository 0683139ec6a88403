package com.hushryd.cache;

/** Cache outcomes per namespace; bound to Micrometer in {@code ops}. */
public interface CacheMetrics {
    CacheMetrics NONE = (namespace, outcome) -> { };

    /** {@code outcome}: {@code l1_hit}, {@code l2_hit}, {@code miss} (loaded from the database) or {@code l2_error}. */
    void record(String namespace, String outcome);

    /** {@code count} outcomes at once (a bulk read). */
    default void record(String namespace, String outcome, long count) {
        for (long i = 0; i < count; i++) {
            record(namespace, outcome);
        }
    }
}
