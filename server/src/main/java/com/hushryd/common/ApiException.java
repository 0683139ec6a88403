package com.hushryd.common;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A failure with a meaning for the client: it becomes {@code {"error":{code,message,details},"requestId"}} with its
 * status. Anything else that escapes a handler is a 500 with no detail.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, Object> details;
    private final Map<String, String> headers;

    public ApiException(int status, String code, String message, Map<String, Object> details,
            Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = details == null ? Map.of() : Map.copyOf(details);
        this.headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    public ApiException(int status, String code, String message) {
        this(status, code, message, null, null);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Map<String, Object> details() {
        return details;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }

    /** One or more fields failed validation; the message names the first. */
    public static ApiException invalid(List<FieldError> errors) {
        FieldError first = errors.get(0);
        List<Map<String, String>> fields = errors.stream()
                .map(e -> Map.of("field", e.field(), "reason", e.reason()))
                .toList();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("field", first.field());
        details.put("fields", fields);
        String more = errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : "";
        return new ApiException(400, "VALIDATION_FAILED", first.field() + ": " + first.reason() + more, details, null);
    }

    public static ApiException invalid(String field, String reason) {
        return invalid(List.of(new FieldError(field, reason)));
    }

    public static ApiException unauthorized(String code, String message) {
        return new ApiException(401, code, message, null, Map.of("WWW-Authenticate", "Bearer"));
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "FORBIDDEN", message);
    }

    public static ApiException notFound(String what) {
        return new ApiException(404, "NOT_FOUND", what + " not found");
    }

    public static ApiException conflict(String code, String message, Map<String, Object> details) {
        return new ApiException(409, code, message, details, null);
    }

    public static ApiException unavailable(String code, String message, int retryAfterSeconds) {
        return new ApiException(503, code, message, Map.of("retryAfterSeconds", retryAfterSeconds),
                Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
    }

    /** A field that failed validation and why. */
    public record FieldError(String field, String reason) {
    }
}
