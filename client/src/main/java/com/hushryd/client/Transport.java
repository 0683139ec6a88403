package com.hushryd.client;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Sends {@link ApiCall}s over OkHttp with the {@link RetryPolicy}: no answer is retried only when the call is safe to
 * repeat (a read or a keyed call); 429 and 503 (nothing was done) always; 502 and 504 when safe to repeat; a
 * {@code TOKEN_EXPIRED} answer once after the session re-logs in. Every other error is thrown at once. Thread-safe;
 * blocking (call it off the UI thread).
 */
final class Transport {
    private static final MediaType JSON = MediaType.parse("application/json");

    private final OkHttpClient http;
    private final String baseUrl;
    private final Session session;
    private final RetryPolicy retry;
    private final Consumer<Attempt> onAttempt;

    Transport(OkHttpClient http, String baseUrl, Session session, RetryPolicy retry, Consumer<Attempt> onAttempt) {
        this.http = http;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.session = session;
        this.retry = retry;
        this.onAttempt = onAttempt;
    }

    String baseUrl() {
        return baseUrl;
    }

    <T> T send(ApiCall call, Class<T> type) {
        return send(call, Json.MAPPER.getTypeFactory().constructType(type), retry);
    }

    <T> T send(ApiCall call, JavaType type, RetryPolicy policy) {
        boolean reloggedIn = false;
        for (int attempt = 1; ; attempt++) {
            HushRydException failure;
            Duration retryAfter = null;
            String token = session.token();
            try {
                return once(call, type, attempt, token);
            } catch (ApiException e) {
                if (e.status() == 401 && "TOKEN_EXPIRED".equals(e.code()) && !reloggedIn && session.canRelogin()) {
                    reloggedIn = true;
                    session.reloginReplacing(token);
                    attempt--;
                    continue;
                }
                boolean retryable = e.status() == 429 || e.status() == 503
                        || ((e.status() == 502 || e.status() == 504) && call.safeToRepeat());
                if (!retryable) {
                    throw e;
                }
                failure = e;
                retryAfter = e.retryAfter().orElse(null);
            } catch (NetworkException e) {
                if (!call.safeToRepeat()) {
                    throw e;
                }
                failure = e;
            }
            if (attempt >= policy.maxAttempts()) {
                throw failure;
            }
            sleep(policy.delay(attempt, retryAfter));
        }
    }

    private <T> T once(ApiCall call, JavaType type, int attempt, String token) {
        Request.Builder b = new Request.Builder().url(baseUrl + call.path())
                .header("Accept", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (call.idempotencyKey() != null) {
            b.header("Idempotency-Key", call.idempotencyKey());
        }
        RequestBody body = null;
        if (call.body() != null) {
            try {
                body = RequestBody.create(JSON, Json.MAPPER.writeValueAsBytes(call.body()));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot serialise the body of " + call.path(), e);
            }
        } else if (call.method().equals("POST") || call.method().equals("PUT")) {
            body = RequestBody.create(null, new byte[0]);
        }
        b.method(call.method(), body);
        try (Response r = http.newCall(b.build()).execute()) {
            byte[] bytes = r.body() == null ? new byte[0] : r.body().bytes();
            onAttempt.accept(new Attempt(call, attempt, r.code()));
            if (r.code() >= 200 && r.code() < 300) {
                if (type.getRawClass() == Void.class || bytes.length == 0) {
                    return null;
                }
                return Json.MAPPER.readValue(bytes, type);
            }
            throw error(r, bytes);
        } catch (IOException e) {
            onAttempt.accept(new Attempt(call, attempt, 0));
            throw new NetworkException(call.method() + " " + call.path() + ": " + e.getMessage(), e);
        }
    }

    private static ApiException error(Response r, byte[] bytes) {
        Duration retryAfter = retryAfter(r.header("Retry-After"));
        String code = "HTTP_" + r.code();
        String message = r.message();
        JsonNode details = null;
        String requestId = r.header("X-Request-Id");
        try {
            JsonNode json = Json.MAPPER.readTree(bytes);
            if (json != null && json.has("error")) {
                code = json.path("error").path("code").asText(code);
                message = json.path("error").path("message").asText(message);
                details = json.path("error").path("details");
                requestId = json.path("requestId").asText(requestId);
            }
        } catch (IOException e) {
            // not JSON (a proxy's page): keep the status
        }
        return ApiException.of(r.code(), code, message, details, requestId, retryAfter);
    }

    private static Duration retryAfter(String header) {
        if (header == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(header.trim().toLowerCase(Locale.ROOT))));
        } catch (NumberFormatException e) {
            return null; // an HTTP date: use the policy's own backoff
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetworkException("interrupted while waiting to retry", new java.io.InterruptedIOException());
        }
    }
}
