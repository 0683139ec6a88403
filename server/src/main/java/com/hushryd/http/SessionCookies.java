package com.hushryd.http;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * The operator console's browser session (decision 0066): the access token in an {@code HttpOnly}, {@code
 * SameSite=Strict} cookie that page scripts cannot read, and a CSRF token in a readable cookie that the console echoes
 * in {@value #CSRF_HEADER} on every state-changing call (double submit). A request with an {@code Authorization}
 * header is never read from cookies, so the Bearer-token API is unchanged.
 */
public final class SessionCookies {
    public static final String SESSION = "hushryd_session";
    public static final String CSRF = "hushryd_csrf";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    private static final SecureRandom RANDOM = new SecureRandom();

    private SessionCookies() {
    }

    /** The value of cookie {@code name} in a {@code Cookie} request header, or null. */
    public static String read(String cookieHeader, String name) {
        if (cookieHeader == null) {
            return null;
        }
        for (String part : cookieHeader.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).trim().equals(name)) {
                String value = part.substring(eq + 1).trim();
                return value.isEmpty() ? null : value;
            }
        }
        return null;
    }

    /**
     * The session token of a WebSocket or long-polling handshake, taken only when it comes from the same origin (or
     * from no browser page at all): a page of another site could otherwise open a socket that the browser
     * authenticates with the operator's cookie.
     */
    public static String sameOriginSession(String cookieHeader, String origin, String host) {
        String token = read(cookieHeader, SESSION);
        if (token == null || origin == null) {
            return token;
        }
        return host != null && (origin.equalsIgnoreCase("http://" + host) || origin.equalsIgnoreCase("https://" + host))
                ? token : null;
    }

    /** A new CSRF token: 32 random bytes, base64url. */
    public static String newCsrfToken() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Whether the CSRF header matches the CSRF cookie (compared in constant time). */
    public static boolean csrfMatches(String cookieHeader, String headerValue) {
        String cookie = read(cookieHeader, CSRF);
        return cookie != null && headerValue != null && MessageDigest.isEqual(
                cookie.getBytes(StandardCharsets.UTF_8), headerValue.getBytes(StandardCharsets.UTF_8));
    }

    /** The two {@code Set-Cookie} values that open a session of {@code ttl}. */
    public static String[] open(String accessToken, String csrfToken, Duration ttl, boolean tls) {
        String tail = "; Path=/; Max-Age=" + Math.max(1, ttl.toSeconds()) + "; SameSite=Strict" + (tls ? "; Secure" : "");
        return new String[] {SESSION + "=" + accessToken + tail + "; HttpOnly", CSRF + "=" + csrfToken + tail};
    }

    /** The two {@code Set-Cookie} values that end the session in the browser. */
    public static String[] clear(boolean tls) {
        String tail = "=; Path=/; Max-Age=0; SameSite=Strict" + (tls ? "; Secure" : "");
        return new String[] {SESSION + tail + "; HttpOnly", CSRF + tail};
    }
}
