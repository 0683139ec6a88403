package com.hushryd.client;

/**
 * Any failure of an SDK call. {@link ApiException} and its subclasses are answers of the server (status, error code,
 * request id, {@code Retry-After}); {@link NetworkException} means no answer arrived (the call may or may not have
 * happened: retry it with the same idempotency key, as the SDK itself does).
 */
public abstract class HushRydException extends RuntimeException {
    protected HushRydException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether the same call may succeed later (network failure, 429, 503): the SDK retries these itself. */
    public abstract boolean retryable();
}
