package com.hushryd.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** A plain HTTP client for a node's API, the way an app would call it. */
public final class ApiClient {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    public ApiClient(String base) {
        this.base = base;
    }

    public String base() {
        return base;
    }

    public HttpResult get(String path, String token) {
        return send(request(path, token).GET().build());
    }

    public HttpResult delete(String path, String token) {
        return send(request(path, token).DELETE().build());
    }

    public HttpResult post(String path, String token, Object body) {
        return send(withBody(path, token, "POST", body));
    }

    public HttpResult put(String path, String token, Object body) {
        return send(withBody(path, token, "PUT", body));
    }

    public HttpResult patch(String path, String token, Object body) {
        return send(withBody(path, token, "PATCH", body));
    }

    /** Sends raw bytes with any content type and method; for malformed-input tests. */
    public HttpResult raw(String method, String path, String token, String contentType, byte[] body) {
        HttpRequest.Builder b = request(path, token);
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    public CompletableFuture<HttpResult> postAsync(String path, String token, Object body) {
        return http.sendAsync(withBody(path, token, "POST", body), HttpResponse.BodyHandlers.ofString())
                .thenApply(ApiClient::result);
    }

    public HttpRequest.Builder request(String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private HttpRequest withBody(String path, String token, String method, Object body) {
        String json;
        try {
            json = body instanceof String s ? s : MAPPER.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
        return request(path, token).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(json)).build();
    }

    public HttpResult send(HttpRequest request) {
        try {
            return result(http.send(request, HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HttpResult result(HttpResponse<String> r) {
        JsonNode json = null;
        String type = r.headers().firstValue("Content-Type").orElse("");
        if (type.startsWith("application/json") && !r.body().isEmpty()) {
            try {
                json = MAPPER.readTree(r.body());
            } catch (IOException e) {
                throw new IllegalStateException("response claims JSON but is not: " + r.body(), e);
            }
        }
        return new HttpResult(r.statusCode(), r.headers(), r.body(), json);
    }

    public static Map<String, Object> map(Object... kv) {
        java.util.LinkedHashMap<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
