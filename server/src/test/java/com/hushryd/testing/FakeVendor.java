package com.hushryd.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A local HTTP server that behaves like an SMS/email vendor: accepts, answers 500, or hangs past the timeout. */
public final class FakeVendor implements AutoCloseable {
    public enum Mode {
        OK, FAIL, HANG
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private final HttpServer server;
    private volatile Mode mode = Mode.OK;
    private final AtomicInteger calls = new AtomicInteger();
    private final List<String> accepted = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final List<Call> received = new CopyOnWriteArrayList<>();
    private volatile Duration delay = Duration.ZERO;

    /** One request the vendor received: to whom (the body's {@code to}), and when (System.nanoTime()). */
    public record Call(String to, long receivedAt) {
    }

    public FakeVendor() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/send", exchange -> {
            calls.incrementAndGet();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Call(recipient(body), System.nanoTime()));
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            Mode m = mode;
            int status = 200;
            String answer = "{\"sid\":\"SM123\"}";
            if (m == Mode.OK && !delay.isZero()) {
                pause(delay.toMillis());
            }
            if (m == Mode.HANG) {
                try {
                    Thread.sleep(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else if (m == Mode.FAIL) {
                status = 500;
                answer = "{\"error\":\"internal\"}";
            } else {
                accepted.add(body);
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            try {
                exchange.sendResponseHeaders(status, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            } catch (IOException e) {
                // the client gave up (timeout)
            }
        });
        server.start();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/send");
    }

    public void mode(Mode m) {
        mode = m;
    }

    /** How long an accepting vendor takes to answer (zero by default): keeps calls in flight for crash tests. */
    public void delay(Duration d) {
        delay = d;
    }

    /** Every request received, in arrival order, accepted or not. */
    public List<Call> received() {
        return List.copyOf(received);
    }

    /** Requests received for one recipient (a phone number or an address), accepted or not. */
    public long calls(String recipient) {
        return received.stream().filter(c -> recipient.equals(c.to())).count();
    }

    /** Requests received per recipient. */
    public Map<String, Long> callsByRecipient() {
        return received.stream().collect(java.util.stream.Collectors.groupingBy(Call::to,
                java.util.stream.Collectors.counting()));
    }

    private static String recipient(String body) {
        try {
            return JSON.readTree(body).path("to").asText("");
        } catch (IOException e) {
            return "";
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public int calls() {
        return calls.get();
    }

    public List<String> accepted() {
        return accepted;
    }

    public List<String> authorizations() {
        return authorizations;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
