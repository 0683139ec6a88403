package com.hushryd.http;

import java.util.Map;

/** What a handler answers: a status, a body serialised as JSON (or none) and extra headers. */
public record Reply(int status, Object body, Map<String, String> headers) {
    public static Reply ok(Object body) {
        return new Reply(200, body, Map.of());
    }

    public static Reply created(Object body) {
        return new Reply(201, body, Map.of());
    }

    public static Reply accepted(Object body) {
        return new Reply(202, body, Map.of());
    }

    public static Reply noContent() {
        return new Reply(204, null, Map.of());
    }

    public Reply withHeader(String name, String value) {
        java.util.LinkedHashMap<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.put(name, value);
        return new Reply(status, body, Map.copyOf(h));
    }

    /** Adds {@code Set-Cookie} headers (kept as one entry, one cookie a line; the router sends one header each). */
    public Reply withCookies(String... setCookies) {
        return withHeader(SET_COOKIE, String.join("\n", setCookies));
    }

    static final String SET_COOKIE = "Set-Cookie";
}
