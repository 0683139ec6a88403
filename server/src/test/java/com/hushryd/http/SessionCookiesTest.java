package com.hushryd.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The console's cookies: reading, the CSRF comparison, the attributes set, and the same-origin socket rule. */
class SessionCookiesTest {
    private static final String COOKIES = "a=b; " + SessionCookies.SESSION + "=tok; " + SessionCookies.CSRF + "=c1";

    @Test
    void read_findsTheNamedCookieOnly() {
        assertThat(SessionCookies.read(COOKIES, SessionCookies.SESSION)).isEqualTo("tok");
        assertThat(SessionCookies.read(COOKIES, "hushryd")).isNull();
        assertThat(SessionCookies.read(SessionCookies.SESSION + "=", SessionCookies.SESSION)).isNull();
        assertThat(SessionCookies.read(null, SessionCookies.SESSION)).isNull();
    }

    @Test
    void csrf_mustEqualTheCookie() {
        assertThat(SessionCookies.csrfMatches(COOKIES, "c1")).isTrue();
        assertThat(SessionCookies.csrfMatches(COOKIES, "c2")).isFalse();
        assertThat(SessionCookies.csrfMatches(COOKIES, null)).isFalse();
        assertThat(SessionCookies.csrfMatches("a=b", "c1")).as("no CSRF cookie").isFalse();
        assertThat(SessionCookies.newCsrfToken()).hasSize(43).isNotEqualTo(SessionCookies.newCsrfToken());
    }

    @Test
    void open_setsAnHttpOnlyStrictSessionAndAReadableCsrfCookie_secureOnlyOverTls() {
        String[] plain = SessionCookies.open("tok", "c1", Duration.ofHours(1), false);
        assertThat(plain[0]).startsWith(SessionCookies.SESSION + "=tok;").contains("HttpOnly")
                .contains("SameSite=Strict").contains("Max-Age=3600").contains("Path=/").doesNotContain("Secure");
        assertThat(plain[1]).startsWith(SessionCookies.CSRF + "=c1;").doesNotContain("HttpOnly")
                .contains("SameSite=Strict");
        assertThat(SessionCookies.open("tok", "c1", Duration.ofHours(1), true)).allMatch(c -> c.endsWith("; Secure")
                || c.contains("; Secure;"));
        assertThat(SessionCookies.clear(false)).allMatch(c -> c.contains("=; ") && c.contains("Max-Age=0"));
    }

    @Test
    void socketHandshake_takesTheSessionCookie_onlyFromTheSameOriginOrNoPage() {
        assertThat(SessionCookies.sameOriginSession(COOKIES, "http://127.0.0.1:8080", "127.0.0.1:8080"))
                .isEqualTo("tok");
        assertThat(SessionCookies.sameOriginSession(COOKIES, "https://console.example", "console.example"))
                .isEqualTo("tok");
        assertThat(SessionCookies.sameOriginSession(COOKIES, null, "127.0.0.1:8080")).as("not a browser page")
                .isEqualTo("tok");
        assertThat(SessionCookies.sameOriginSession(COOKIES, "https://evil.example", "127.0.0.1:8080")).isNull();
        assertThat(SessionCookies.sameOriginSession(COOKIES, "http://127.0.0.1:8080", null)).isNull();
        assertThat(SessionCookies.sameOriginSession("a=b", "http://127.0.0.1:8080", "127.0.0.1:8080")).isNull();
    }
}
