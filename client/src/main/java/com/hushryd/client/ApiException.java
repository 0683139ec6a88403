package com.hushryd.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Optional;

/**
 * An error answer of the server, in the contract's shape {@code {"error":{code,message,details},"requestId"}}:
 * {@link #status()}, the stable {@link #code()} (e.g. {@code SEATS_UNAVAILABLE}), {@link #details()}, the
 * {@link #requestId()} to quote when reporting, and {@link #retryAfter()} when the server gave one. The subclasses
 * group the statuses an app handles differently.
 */
public class ApiException extends HushRydException {
    private final int status;
    private final String code;
    private final JsonNode details;
    private final String requestId;
    private final Duration retryAfter;

    public ApiException(int status, String code, String message, JsonNode details, String requestId,
            Duration retryAfter) {
        super(status + " " + code + ": " + message + (requestId == null ? "" : " (request " + requestId + ")"), null);
        this.status = status;
        this.code = code;
        this.details = details;
        this.requestId = requestId;
        this.retryAfter = retryAfter;
    }

    /** The exception of the right subclass for this answer. */
    public static ApiException of(int status, String code, String message, JsonNode details, String requestId,
            Duration retryAfter) {
        if (status == 400 || status == 413 || status == 414 || status == 415 || status == 431) {
            return new ValidationException(status, code, message, details, requestId, retryAfter);
        }
        if (status == 401) {
            return new AuthenticationException(status, code, message, details, requestId, retryAfter);
        }
        if (status == 409 || status == 422) {
            return new ConflictException(status, code, message, details, requestId, retryAfter);
        }
        if (status == 429 || status == 503) {
            return new UnavailableException(status, code, message, details, requestId, retryAfter);
        }
        return new ApiException(status, code, message, details, requestId, retryAfter);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** {@code error.details}: e.g. {@code field} for a validation error; a missing node when none. */
    public JsonNode details() {
        return details;
    }

    public String requestId() {
        return requestId;
    }

    /** The server's {@code Retry-After}, when it sent one (429, 503). */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    @Override
    public boolean retryable() {
        return false;
    }

    /** 400 and other refusals of the request itself: fix the input, never retry as is. */
    public static final class ValidationException extends ApiException {
        ValidationException(int status, String code, String message, JsonNode details, String requestId,
                Duration retryAfter) {
            super(status, code, message, details, requestId, retryAfter);
        }

        /** The field the server named, or null. */
        public String field() {
            return details() == null ? null : details().path("field").asText(null);
        }
    }

    /** 401: no token, or it is expired, revoked or of a deleted account ({@link #code()} says which). */
    public static final class AuthenticationException extends ApiException {
        AuthenticationException(int status, String code, String message, JsonNode details, String requestId,
                Duration retryAfter) {
            super(status, code, message, details, requestId, retryAfter);
        }
    }

    /** 409 and 422: the request conflicts with the current state (e.g. {@code SEATS_UNAVAILABLE}). */
    public static final class ConflictException extends ApiException {
        ConflictException(int status, String code, String message, JsonNode details, String requestId,
                Duration retryAfter) {
            super(status, code, message, details, requestId, retryAfter);
        }
    }

    /** 429 and 503: not done, try again after {@link #retryAfter()}; the SDK does so itself before throwing this. */
    public static final class UnavailableException extends ApiException {
        UnavailableException(int status, String code, String message, JsonNode details, String requestId,
                Duration retryAfter) {
            super(status, code, message, details, requestId, retryAfter);
        }

        @Override
        public boolean retryable() {
            return true;
        }
    }
}
