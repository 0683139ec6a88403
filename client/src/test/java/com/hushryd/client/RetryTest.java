package com.hushryd.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hushryd.client.model.SosRequest;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SDK's retry rules against a small local HTTP server playing a node's answers (scripted per request): what is
 * retried, what never is, and that a call's key is the same on every attempt.
 */
class RetryTest {
    private HttpServer server;
    private final Deque<String[]> script = new ArrayDeque<>(); // status, Retry-After or null, body
    private final List<String> keys = new ArrayList<>();
    private final List<Attempt> attempts = new ArrayList<>();
    private HushRydClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            keys.add(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
            String[] answer = script.isEmpty() ? new String[] {"500", null, "{}"} : script.poll();
            if (answer[0].equals("hang-up")) {
                exchange.close(); // no answer at all
                return;
            }
            byte[] body = answer[2].getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.getResponseHeaders().add("X-Request-Id", "req-" + keys.size());
            if (answer[1] != null) {
                exchange.getResponseHeaders().add("Retry-After", answer[1]);
            }
            exchange.sendResponseHeaders(Integer.parseInt(answer[0]), body.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        client = HushRydClient.builder("http://127.0.0.1:" + server.getAddress().getPort())
                .retry(new RetryPolicy(4, Duration.ofMillis(10), Duration.ofSeconds(2)))
                .timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5))
                .onAttempt(attempts::add).build();
        client.useToken("token", "user-1");
    }

    @AfterEach
    void stop() {
        client.close();
        server.stop(0);
    }

    private static String error(String code) {
        return "{\"error\":{\"code\":\"" + code + "\",\"message\":\"m\",\"details\":{\"field\":\"seats\"}},"
                + "\"requestId\":\"r1\"}";
    }

    private static final String BOOKING = "{\"id\":\"b1\",\"tripId\":\"t1\",\"seats\":1,\"status\":\"confirmed\"}";

    @Test
    void unavailable_isRetriedHonouringRetryAfter_withTheSameKey() {
        script.add(new String[] {"503", "1", error("DB_POOL_EXHAUSTED")});
        script.add(new String[] {"429", "0", error("RATE_LIMITED")});
        script.add(new String[] {"201", null, BOOKING});
        assertThat(client.book("t1", 1).id()).isEqualTo("b1");
        assertThat(keys).hasSize(3).doesNotContainNull();
        assertThat(keys.stream().distinct()).hasSize(1);
        assertThat(attempts).extracting(Attempt::status).containsExactly(503, 429, 201);
    }

    @Test
    void delay_isTheServersRetryAfter_cappedByMaxDelay_elseAJitteredExponentialBackoff() {
        RetryPolicy p = new RetryPolicy(6, Duration.ofMillis(100), Duration.ofSeconds(2));
        assertThat(p.delay(1, Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.delay(1, Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(2));
        for (int attempt = 1; attempt <= 10; attempt++) {
            long cap = Math.min(2000, 100L << (attempt - 1));
            for (int i = 0; i < 50; i++) {
                assertThat(p.delay(attempt, null)).isBetween(Duration.ZERO, Duration.ofMillis(cap));
            }
        }
    }

    @Test
    void validationError_isNeverRetried_andCarriesCodeFieldAndRequestId() {
        script.add(new String[] {"400", null, error("VALIDATION_FAILED")});
        assertThatThrownBy(() -> client.book("t1", 0)).isInstanceOfSatisfying(
                ApiException.ValidationException.class, e -> {
                    assertThat(e.code()).isEqualTo("VALIDATION_FAILED");
                    assertThat(e.field()).isEqualTo("seats");
                    assertThat(e.requestId()).isEqualTo("r1");
                    assertThat(e.retryable()).isFalse();
                });
        assertThat(attempts).hasSize(1);
    }

    @Test
    void conflict_isNotRetried() {
        script.add(new String[] {"409", null, error("SEATS_UNAVAILABLE")});
        assertThatThrownBy(() -> client.book("t1", 3)).isInstanceOf(ApiException.ConflictException.class)
                .hasMessageContaining("SEATS_UNAVAILABLE");
        assertThat(attempts).hasSize(1);
    }

    @Test
    void lostAnswer_ofAKeyedCall_isRetried_ofAnUnkeyedPost_isNot() {
        script.add(new String[] {"hang-up", null, null});
        script.add(new String[] {"201", null, "{\"alertId\":\"a1\",\"status\":\"active\",\"created\":true}"});
        assertThat(client.sos(new SosRequest(null, 12.9, 77.6, null, null)).alertId()).isEqualTo("a1");
        assertThat(keys).hasSize(2);
        assertThat(keys.get(0)).isEqualTo(keys.get(1));

        script.add(new String[] {"hang-up", null, null});
        attempts.clear();
        assertThatThrownBy(() -> client.startTrip("t1")).isInstanceOf(NetworkException.class);
        assertThat(attempts).hasSize(1);
    }

    @Test
    void unavailableTooLong_givesUpAfterMaxAttempts_withTheLastError() {
        for (int i = 0; i < 4; i++) {
            // (no Retry-After: OkHttp itself repeats a 503 that says "Retry-After: 0" once, which is harmless)
            script.add(new String[] {"503", null, error("DATABASE_UNAVAILABLE")});
        }
        assertThatThrownBy(() -> client.trip("t1")).as("attempts %s", attempts).isInstanceOfSatisfying(
                ApiException.UnavailableException.class, e -> assertThat(e.code()).isEqualTo("DATABASE_UNAVAILABLE"));
        assertThat(attempts).hasSize(4);
    }

    @Test
    void eachLogicalCall_getsItsOwnKey() {
        script.add(new String[] {"201", null, BOOKING});
        script.add(new String[] {"201", null, BOOKING});
        client.book("t1", 1);
        client.book("t1", 1);
        assertThat(keys).hasSize(2);
        assertThat(keys.get(0)).isNotEqualTo(keys.get(1));
    }
}
