package com.hushryd.http;

import com.hushryd.common.ApiException;
import com.hushryd.common.Json;
import com.hushryd.auth.Principal;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.UUID;

/** One API call as a handler sees it: caller, parameters and a strictly parsed body. */
public final class ApiRequest {
    private final RoutingContext ctx;
    private final Principal principal;
    private final String requestId;

    ApiRequest(RoutingContext ctx, Principal principal, String requestId) {
        this.ctx = ctx;
        this.principal = principal;
        this.requestId = requestId;
    }

    /** The authenticated caller; only null on public routes. */
    public Principal principal() {
        if (principal == null) {
            throw new IllegalStateException("public route has no principal");
        }
        return principal;
    }

    public String requestId() {
        return requestId;
    }

    public String remoteHost() {
        return ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().host();
    }

    /** Whether the client reached us over TLS (directly, or through a proxy that says so). */
    public boolean overTls() {
        return ctx.request().isSSL() || "https".equalsIgnoreCase(ctx.request().getHeader("X-Forwarded-Proto"));
    }

    public String header(String name) {
        return ctx.request().getHeader(name);
    }

    public String path(String name) {
        return ctx.pathParam(name);
    }

    /** A path parameter that must be a UUID; anything else is a 400 naming it. */
    public UUID pathUuid(String name) {
        return uuid(name, ctx.pathParam(name));
    }

    /** An optional query parameter that must be a UUID when present. */
    public UUID queryUuid(String name) {
        String v = query(name);
        return v == null ? null : uuid(name, v);
    }

    private static UUID uuid(String field, String v) {
        try {
            if (v != null && v.length() == 36) {
                return UUID.fromString(v);
            }
        } catch (IllegalArgumentException e) {
            // fall through to the 400 below
        }
        throw ApiException.invalid(field, "must be a UUID");
    }

    /** A query parameter, or null when absent; a parameter given twice is a 400. */
    public String query(String name) {
        List<String> all = ctx.queryParam(name);
        if (all.isEmpty()) {
            return null;
        }
        if (all.size() > 1) {
            throw ApiException.invalid(name, "must be given at most once");
        }
        return all.get(0);
    }

    /** Fails with a 400 when the query string names a parameter this endpoint does not know. */
    public void allowQuery(String... names) {
        List<String> allowed = List.of(names);
        for (String n : ctx.queryParams().names()) {
            if (!allowed.contains(n)) {
                throw ApiException.invalid(n, "unknown query parameter; allowed: " + allowed);
            }
        }
    }

    public Integer queryInt(String name, int min, int max) {
        String v = query(name);
        if (v == null) {
            return null;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw ApiException.invalid(name, "must be a whole number between " + min + " and " + max);
    }

    /** The JSON body read into {@code type}; a missing body, another content type or a bad field is a 4xx. */
    public <T> T body(Class<T> type) {
        return Json.read(rawBody(), type);
    }

    /** Like {@link #body}, or null when the request has no body at all. */
    public <T> T optionalBody(Class<T> type) {
        Buffer body = ctx.body() == null ? null : ctx.body().buffer();
        return body == null || body.length() == 0 ? null : body(type);
    }

    public byte[] rawBody() {
        String contentType = ctx.request().getHeader("Content-Type");
        Buffer body = ctx.body() == null ? null : ctx.body().buffer();
        if (body == null || body.length() == 0) {
            throw ApiException.badRequest("MISSING_BODY", "a JSON request body is required");
        }
        if (contentType == null || !contentType.toLowerCase().startsWith("application/json")) {
            throw new ApiException(415, "UNSUPPORTED_MEDIA_TYPE", "request body must be sent as application/json");
        }
        return body.getBytes();
    }
}
