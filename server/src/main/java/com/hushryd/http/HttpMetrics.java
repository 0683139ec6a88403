package com.hushryd.http;

/** Receives one observation per finished HTTP request; bound to Micrometer in {@code ops}. */
public interface HttpMetrics {
    HttpMetrics NONE = (method, route, status, nanos) -> { };

    /**
     * @param route the route template such as {@code /api/v1/trips/{id}}, or {@code unmatched}; never a raw path,
     *              so that the number of series stays bounded
     */
    void record(String method, String route, int status, long durationNanos);
}
