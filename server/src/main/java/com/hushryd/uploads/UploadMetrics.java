package com.hushryd.uploads;

/** Receives what happens to uploads and documents; bound to Micrometer in {@code ops}. */
public interface UploadMetrics {
    UploadMetrics NONE = new UploadMetrics() {
    };

    /** An upload URL was issued (refusals by the rate limit are counted with the other rate-limit decisions). */
    default void uploadUrl() {
    }

    /**
     * An upload into the local store ended: {@code outcome} is stored, or the error code that refused it
     * (e.g. URL_EXPIRED, PAYLOAD_TOO_LARGE, aborted).
     */
    default void received(String outcome, long bytes, long nanos) {
    }

    /** A document's processing attempt ended: verified, rejected or error (retried). */
    default void processed(String outcome, long nanos) {
    }
}
