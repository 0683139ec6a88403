package com.hushryd.bench.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hushryd.bench.load.Targets;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.Map;

/**
 * The simulator's non-blocking HTTP client for the JSON API: each call is timed from the request being issued to
 * the last byte of its answer (waiting for one of the pooled connections included) and counted as ok (2xx) or as an
 * error of its kind: {@code http <status> <error code>}, {@code timeout} or the I/O failure.
 */
final class SimHttp {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private final Vertx vertx;
    private final HttpClientAgent client;
    private final SimStats stats;
    private final long timeoutMs;

    SimHttp(Vertx vertx, SimStats stats, int connectionsPerNode, long timeoutMs) {
        this.vertx = vertx;
        this.stats = stats;
        this.timeoutMs = timeoutMs;
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs)),
                new PoolOptions().setHttp1MaxSize(connectionsPerNode));
    }

    /** An API error with its HTTP status (0 for no answer). */
    static final class Failure extends RuntimeException {
        Failure(String kind) {
            super(kind, null, false, false);
        }
    }

    /** Calls {@code /api/v1{path}}; succeeds with the parsed body (null when empty) on a 2xx answer. */
    Future<JsonNode> call(String op, URI node, HttpMethod method, String path, String token, Object body,
            Map<String, String> headers) {
        SimStats.Call call = stats.begin(op);
        Promise<JsonNode> result = Promise.promise();
        long timer = vertx.setTimer(timeoutMs, id -> {
            if (call.fail("timeout")) {
                result.tryFail(new Failure("timeout"));
            }
        });
        Buffer payload;
        try {
            payload = body == null ? null : Buffer.buffer(MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
        RequestOptions ro = new RequestOptions().setMethod(method).setHost(Targets.host(node))
                .setPort(node.getPort() < 0 ? 80 : node.getPort()).setURI("/api/v1" + path)
                .setIdleTimeout(timeoutMs * 2);
        if (token != null) {
            ro.putHeader("Authorization", "Bearer " + token);
        }
        headers.forEach(ro::putHeader);
        if (payload != null) {
            ro.putHeader("Content-Type", "application/json");
        }
        client.request(ro)
                .compose(req -> payload == null ? req.send() : req.send(payload))
                .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b)))
                .onComplete(ar -> {
                    vertx.cancelTimer(timer);
                    if (ar.failed()) {
                        String kind = ioKind(ar.cause());
                        if (call.fail(kind)) {
                            result.tryFail(new Failure(kind));
                        }
                        return;
                    }
                    Answer a = ar.result();
                    JsonNode json = parse(a.body());
                    if (a.status() / 100 == 2) {
                        if (call.ok()) {
                            result.tryComplete(json);
                        }
                    } else {
                        String code = json == null ? "" : json.path("error").path("code").asText("");
                        String kind = ("http " + a.status() + " " + code).trim();
                        if (call.fail(kind)) {
                            result.tryFail(new Failure(kind));
                        }
                    }
                });
        return result.future();
    }

    private record Answer(int status, Buffer body) {
    }

    private static JsonNode parse(Buffer b) {
        if (b == null || b.length() == 0) {
            return null;
        }
        try {
            return MAPPER.readTree(b.getBytes());
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** The kind of an I/O failure: its class, and the message without addresses and numbers that vary. */
    static String ioKind(Throwable t) {
        String message = t.getMessage() == null ? "" : t.getMessage().replaceAll("[/\\w.-]*\\d+[\\w.:/-]*", "")
                .replaceAll("\\s+", " ").trim();
        String name = t.getClass().getSimpleName();
        return message.isEmpty() ? "io " + name : "io " + name + ": " + (message.length() > 60
                ? message.substring(0, 60) : message);
    }

    void close() {
        client.close();
    }
}
