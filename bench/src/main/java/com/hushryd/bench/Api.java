package com.hushryd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** The few HTTP API calls the load clients make to set up users and trips (HTTP/1.1, JSON). */
final class Api {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    Api(URI base) {
        this.base = base;
    }

    URI base() {
        return base;
    }

    /** A response: status and parsed body (null when empty or not JSON). */
    record Result(int status, JsonNode body) {
    }

    Result send(String method, String path, String token, Object body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/api/v1" + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        headers.forEach(b::header);
        b.header("Content-Type", "application/json").method(method, body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(MAPPER.writeValueAsString(body)));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        try {
            json = r.body().isEmpty() ? null : MAPPER.readTree(r.body());
        } catch (Exception e) {
            // not JSON
        }
        return new Result(r.statusCode(), json);
    }

    /**
     * A call that must succeed (2xx): its body. A 503 {@code OVERLOADED} (a node shedding load) is retried after its
     * {@code Retry-After}, as a well-behaved client does, up to a minute in all.
     */
    JsonNode call(String method, String path, String token, Object body) throws Exception {
        Result r = send(method, path, token, body, Map.of());
        for (int waited = 0; r.status() == 503 && r.body() != null && waited < 60
                && "OVERLOADED".equals(r.body().path("error").path("code").asText()); ) {
            int after = Math.max(1, r.body().path("error").path("details").path("retryAfterSeconds").asInt(2));
            Thread.sleep(after * 1000L);
            waited += after;
            r = send(method, path, token, body, Map.of());
        }
        if (r.status() >= 300) {
            throw new IllegalStateException(method + " " + path + " -> " + r.status() + " " + r.body());
        }
        return r.body();
    }

    /** Registers a user of this role with a random phone; returns its access token. */
    String register(String role) throws Exception {
        String phone = "+91" + (7_000_000_000L + ThreadLocalRandom.current().nextLong(2_999_999_999L));
        return call("POST", "/auth/register", null, Map.of("phone", phone, "name", role, "password", "bench-pass-1",
                "role", role)).path("accessToken").asText();
    }
}
