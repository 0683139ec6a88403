package com.hushryd.location;

/** What the location service reports; bound to Micrometer in {@code ops}. */
public interface LocationMetrics {
    LocationMetrics NONE = new LocationMetrics() {
        @Override
        public void update(String outcome) {
        }

        @Override
        public void fanout(long nanos) {
        }
    };

    /**
     * One update: {@code stored}, {@code stale} (older than the stored one), {@code rejected}, or {@code shed} (refused
     * because the node had too many in progress).
     */
    void update(String outcome);

    /** From an update's arrival to its broadcast being handed to local sockets and the broker. */
    void fanout(long nanos);
}
