package com.hushryd.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Drives official {@code socket.io-client} instances in a Node.js process ({@code agent.mjs}): connect, emit with or
 * without ack, answer server acks, and collect every event each client receives.
 */
public final class SocketIoAgent implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);

    private final Process process;
    private final Writer stdin;
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new ArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private final StringBuilder stderr = new StringBuilder();

    private SocketIoAgent(Process process) {
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readLoop, "socketio-agent-out");
        reader.setDaemon(true);
        reader.start();
        Thread errors = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (stderr) {
                        stderr.append(line).append('\n');
                    }
                }
            } catch (IOException e) {
                // process ended
            }
        }, "socketio-agent-err");
        errors.setDaemon(true);
        errors.start();
    }

    public static SocketIoAgent start() {
        try {
            ProcessBuilder pb = new ProcessBuilder("node", NodeTools.script("agent.mjs").toString())
                    .directory(NodeTools.DIR.toFile());
            return new SocketIoAgent(pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node (is Node.js installed?)", e);
        }
    }

    private void readLoop() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                JsonNode msg = MAPPER.readTree(line);
                if (msg.has("rid")) {
                    CompletableFuture<JsonNode> f = pending.remove(msg.get("rid").asLong());
                    if (f != null) {
                        f.complete(msg);
                    }
                } else {
                    synchronized (events) {
                        events.add(msg);
                        events.notifyAll();
                    }
                }
            }
        } catch (IOException e) {
            // process ended
        }
    }

    /** Sends a command and waits for its reply. */
    public JsonNode request(Map<String, Object> command) {
        long rid = ids.incrementAndGet();
        ObjectNode cmd = MAPPER.valueToTree(command);
        cmd.put("rid", rid);
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(rid, f);
        try {
            synchronized (stdin) {
                stdin.write(MAPPER.writeValueAsString(cmd) + "\n");
                stdin.flush();
            }
            return f.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("agent did not answer " + command.get("cmd") + "; stderr: " + stderr(), e);
        }
    }

    public String stderr() {
        synchronized (stderr) {
            return stderr.toString();
        }
    }

    /** Connects a client; the reply has {@code ok}, {@code id} and {@code transport}, or {@code error}. */
    public Client connect(String name, String baseUrl, Map<String, Object> auth, Map<String, Object> opts) {
        Map<String, Object> cmd = new java.util.HashMap<>();
        cmd.put("cmd", "connect");
        cmd.put("client", name);
        cmd.put("url", baseUrl);
        if (auth != null) {
            cmd.put("auth", auth);
        }
        if (opts != null) {
            cmd.put("opts", opts);
        }
        return new Client(name, request(cmd));
    }

    public Client connect(String name, String baseUrl, String token) {
        return connect(name, baseUrl, Map.of("token", token), null);
    }

    /** Waits for an event matching the predicate (already received or to come) and consumes it. */
    public JsonNode await(Predicate<JsonNode> match, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (events) {
            while (true) {
                for (int i = 0; i < events.size(); i++) {
                    if (match.test(events.get(i))) {
                        return events.remove(i);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no " + what + " within " + timeout + "; events: " + events
                            + "; stderr: " + stderr());
                }
                try {
                    events.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }
    }

    /** Events of a kind received so far (not consumed). */
    public List<JsonNode> received(Predicate<JsonNode> match) {
        synchronized (events) {
            return events.stream().filter(match).toList();
        }
    }

    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** One socket.io-client in the agent. */
    public final class Client {
        private final String name;
        private final JsonNode connectReply;

        Client(String name, JsonNode connectReply) {
            this.name = name;
            this.connectReply = connectReply;
        }

        public boolean connected() {
            return connectReply.path("ok").asBoolean();
        }

        public JsonNode connectReply() {
            return connectReply;
        }

        public String socketId() {
            return connectReply.path("id").asText();
        }

        public void emit(String event, Object... args) {
            request(Map.of("cmd", "emit", "client", name, "event", event, "args", List.of(args), "ack", false));
        }

        /** Emits and returns the server's acknowledgement arguments (a JSON array). */
        public ArrayNode emitWithAck(String event, Object... args) {
            JsonNode r = request(Map.of("cmd", "emit", "client", name, "event", event, "args", List.of(args),
                    "ack", true));
            if (!r.path("ok").asBoolean()) {
                throw new AssertionError("no ack for " + event + ": " + r);
            }
            return (ArrayNode) r.get("ack");
        }

        /** Answers the server's {@code event} with these arguments whenever it asks for an ack. */
        public void autoAck(String event, Object... reply) {
            request(Map.of("cmd", "autoAck", "client", name, "event", event, "reply", List.of(reply)));
        }

        public JsonNode state() {
            return request(Map.of("cmd", "state", "client", name));
        }

        public void dropTransport() {
            request(Map.of("cmd", "dropTransport", "client", name));
        }

        public void disconnect() {
            request(Map.of("cmd", "disconnect", "client", name));
        }

        /** The arguments of the next {@code event} this client receives. */
        public JsonNode awaitEvent(String event) {
            return awaitEvent(event, a -> true, DEFAULT_WAIT);
        }

        public JsonNode awaitEvent(String event, Predicate<JsonNode> argsMatch, Duration timeout) {
            return await(e -> "event".equals(e.path("type").asText()) && name.equals(e.path("client").asText())
                    && event.equals(e.path("event").asText()) && argsMatch.test(e.get("args")), timeout,
                    event + " for " + name).get("args");
        }

        /** The next lifecycle notice ({@code connect}, {@code disconnect}, {@code upgrade}, ...) of this client. */
        public JsonNode awaitNotice(String type, Duration timeout) {
            return await(e -> type.equals(e.path("type").asText()) && name.equals(e.path("client").asText()), timeout,
                    type + " of " + name);
        }

        /** Every lifecycle notice of this client so far ({@code connect}, {@code upgrading}, {@code upgradeError}, ...). */
        public List<JsonNode> notices() {
            return received(e -> !"event".equals(e.path("type").asText()) && e.has("type")
                    && name.equals(e.path("client").asText()));
        }

        public List<JsonNode> eventsNamed(String event) {
            return received(e -> "event".equals(e.path("type").asText()) && name.equals(e.path("client").asText())
                    && event.equals(e.path("event").asText()));
        }
    }
}
