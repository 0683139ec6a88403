package com.hushryd.testing;

import static org.assertj.core.api.Assertions.assertThat;

/** Assertions on the contract's error shape {@code {"error":{code,message,details},"requestId"}}. */
public final class ErrorShape {
    private ErrorShape() {
    }

    /**
     * The response is this status and code in the error shape, with a readable message (no stack trace or class
     * name), the request id of the {@code X-Request-Id} header, and, when {@code field} is given, that field named.
     */
    public static void assertClearError(HttpResult r, int status, String code, String field) {
        assertThat(r.status()).as(r.text()).isEqualTo(status);
        assertThat(r.errorCode()).isEqualTo(code);
        assertThat(r.json().path("error").path("message").asText()).isNotBlank().doesNotContain("Exception")
                .doesNotContain("com.hushryd");
        assertThat(r.json().path("requestId").asText()).isEqualTo(r.header("X-Request-Id")).isNotBlank();
        if (field != null) {
            assertThat(r.errorField()).isEqualTo(field);
            assertThat(r.json().path("error").path("message").asText()).startsWith(field + ":");
        }
    }
}
