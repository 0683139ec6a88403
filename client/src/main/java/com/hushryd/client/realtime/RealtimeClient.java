package com.hushryd.client.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.client.Json;
import com.hushryd.client.model.Location;
import com.hushryd.client.model.Message;
import io.socket.client.Ack;
import io.socket.client.IO;
import io.socket.client.Socket;
import io.socket.engineio.client.transports.WebSocket;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;
import org.json.JSONObject;

/**
 * The realtime connection (Socket.IO over WebSocket, with the official Java client): connects with the access token,
 * reconnects by itself with exponential backoff and jitter (0.5 s doubling to 10 s, ±50 %) after a network failure
 * or a node going away, subscribes again to every trip being {@link #track tracked} on each (re)connection and hands
 * the trip's last known location to the location listeners, so a gap in the connection ends with the current
 * position. When the token expires ({@code session:expired}, or a CONNECT refused with {@code TOKEN_EXPIRED}) it gets a
 * new one from the client (remembered credentials) and connects again.
 *
 * <p>The server's connection state recovery (replaying missed events) is not used: the Java client 2.x does not
 * implement it. After a reconnection the app reads what it may have missed over HTTP (chat history, the trip's
 * location: the latter arrives by itself through the resubscription). Listeners run on the client's event thread:
 * keep them short. Thread-safe.
 */
public final class RealtimeClient implements AutoCloseable {
    private final String baseUrl;
    private final OkHttpClient http;
    private final Supplier<String> token;
    private final BooleanSupplier refreshToken;
    private final Map<String, String> auth = new ConcurrentHashMap<>();
    private final Set<String> tracked = ConcurrentHashMap.newKeySet();
    private final Map<String, List<Consumer<JsonNode>>> listeners = new ConcurrentHashMap<>();
    private final List<Consumer<ConnectionState>> stateListeners = new CopyOnWriteArrayList<>();
    private volatile Socket socket;
    private volatile boolean closed;
    private volatile boolean expiredNotice;

    /**
     * A connection to {@code baseUrl} over {@code http}'s connection pool and threads; {@code refreshToken} logs in
     * again and answers whether it could (then {@code token} gives the new one).
     */
    public RealtimeClient(String baseUrl, OkHttpClient http, Supplier<String> token, BooleanSupplier refreshToken) {
        this.baseUrl = baseUrl;
        this.http = http;
        this.token = token;
        this.refreshToken = refreshToken;
    }

    /** Connects (once); reconnections are automatic from then on until {@link #close()}. */
    public synchronized RealtimeClient connect() {
        String t = token.get();
        if (t == null) {
            throw new IllegalStateException("sign in before connecting");
        }
        auth.put("token", t);
        if (socket == null) {
            IO.Options options = IO.Options.builder()
                    .setForceNew(true)
                    .setTransports(new String[] {WebSocket.NAME})
                    .setReconnection(true)
                    .setReconnectionDelay(500)
                    .setReconnectionDelayMax(10_000)
                    .setRandomizationFactor(0.5)
                    .setTimeout(20_000)
                    // the socket reads this map at every CONNECT: a refreshed token is used by the next reconnection
                    .setAuth(auth)
                    .build();
            options.callFactory = http;
            options.webSocketFactory = http;
            socket = IO.socket(URI.create(baseUrl), options);
            socket.on(Socket.EVENT_CONNECT, args -> onConnect());
            socket.on(Socket.EVENT_DISCONNECT, args -> disconnected(args.length > 0 ? String.valueOf(args[0]) : ""));
            socket.on(Socket.EVENT_CONNECT_ERROR, this::refused);
            // the server disconnects right after this notice: re-authenticate once that happened (see disconnected)
            socket.on("session:expired", args -> expiredNotice = true);
            for (String event : List.of("location:update", "chat:message", "chat:typing", "presence:update",
                    "sos:alert", "sos:location", "notification", "session:revoked", "rate:limited")) {
                socket.on(event, args -> dispatch(event, args));
            }
        }
        socket.connect();
        return this;
    }

    public boolean connected() {
        Socket s = socket;
        return s != null && s.connected();
    }

    /** The client's token changed (a new login): the next (re)connection uses it. */
    public void tokenChanged(String newToken) {
        if (newToken != null) {
            auth.put("token", newToken);
        }
    }

    // ---- tracking ----

    /**
     * Follows a trip's live location ({@code track:subscribe}), now and after every reconnection; completes with the
     * last known location (null when none yet, or when not connected now: it is subscribed on connection).
     */
    public CompletableFuture<Location> track(String tripId) {
        tracked.add(tripId);
        return subscribe(tripId);
    }

    /** Stops following a trip. */
    public void untrack(String tripId) {
        tracked.remove(tripId);
        Socket s = socket;
        if (s != null && s.connected()) {
            s.emit("track:unsubscribe", tripId);
        }
    }

    public Set<String> trackedTrips() {
        return Set.copyOf(tracked);
    }

    private CompletableFuture<Location> subscribe(String tripId) {
        CompletableFuture<Location> result = new CompletableFuture<>();
        Socket s = socket;
        if (s == null || !s.connected()) {
            result.complete(null);
            return result;
        }
        s.emit("track:subscribe", new Object[] {tripId}, (Ack) args -> {
            try {
                JsonNode answer = node(args.length > 0 ? args[0] : null);
                if (!answer.path("ok").asBoolean()) {
                    result.completeExceptionally(new IllegalStateException("track:subscribe " + tripId + ": "
                            + answer.path("error").path("code").asText("refused")));
                    return;
                }
                JsonNode location = answer.path("data").path("location");
                Location last = location.isObject() ? Json.MAPPER.treeToValue(location, Location.class) : null;
                if (last != null) {
                    emit("location:update", location);
                }
                result.complete(last);
            } catch (IOException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    // ---- listeners ----

    public void onLocation(Consumer<Location> listener) {
        on("location:update", Location.class, listener);
    }

    public void onChatMessage(Consumer<Message> listener) {
        on("chat:message", Message.class, listener);
    }

    public void onTyping(Consumer<Typing> listener) {
        on("chat:typing", Typing.class, listener);
    }

    public void onPresence(Consumer<Presence> listener) {
        on("presence:update", Presence.class, listener);
    }

    /** {@code sos:alert}: {@code {type, alert}} (admins and the trip's riders). */
    public void onSosAlert(Consumer<JsonNode> listener) {
        on("sos:alert", JsonNode.class, listener);
    }

    /** {@code notification}: in-app notifications {@code {type, title, body, data}}. */
    public void onNotification(Consumer<JsonNode> listener) {
        on("notification", JsonNode.class, listener);
    }

    public void onConnectionState(Consumer<ConnectionState> listener) {
        stateListeners.add(listener);
    }

    /** Any server event of docs/realtime.md, read into {@code type}. */
    public <T> void on(String event, Class<T> type, Consumer<T> listener) {
        listeners.computeIfAbsent(event, e -> new CopyOnWriteArrayList<>()).add(node -> {
            try {
                listener.accept(Json.MAPPER.treeToValue(node, type));
            } catch (IOException e) {
                throw new IllegalStateException(event + " payload not readable as " + type.getSimpleName(), e);
            }
        });
    }

    // ---- connection events ----

    private void onConnect() {
        for (String trip : tracked) {
            subscribe(trip);
        }
        state(ConnectionState.CONNECTED);
    }

    private void disconnected(String reason) {
        if (closed) {
            state(ConnectionState.CLOSED);
            return;
        }
        if (!"io server disconnect".equals(reason)) {
            state(ConnectionState.RECONNECTING); // the client reconnects by itself
            return;
        }
        // the server closed the socket on purpose and the client does not reconnect by itself: after
        // session:expired the SDK logs in again and reconnects; a revocation needs the app to sign in again
        if (expiredNotice) {
            expiredNotice = false;
            state(ConnectionState.RECONNECTING);
            new Thread(this::reauthenticate, "hushryd-relogin").start();
        } else {
            state(ConnectionState.REFUSED);
        }
    }

    private void refused(Object... args) {
        JsonNode error = node(args.length > 0 ? args[0] : null);
        String code = error.path("data").path("code").asText("");
        if (code.equals("TOKEN_EXPIRED")) {
            new Thread(this::reauthenticate, "hushryd-relogin").start();
        } else if (!code.isEmpty()) {
            state(ConnectionState.REFUSED); // a revoked or invalid token: not retried blindly
        }
        // no code: a network failure, the client retries with its backoff
    }

    private void reauthenticate() {
        if (closed) {
            return;
        }
        try {
            if (refreshToken.getAsBoolean()) {
                auth.put("token", token.get());
                socket.connect();
                return;
            }
        } catch (RuntimeException e) {
            // could not log in (network?): the app sees REFUSED and may connect() later
        }
        state(ConnectionState.REFUSED);
    }

    private void dispatch(String event, Object[] args) {
        emit(event, node(args.length > 0 ? args[0] : null));
    }

    private void emit(String event, JsonNode payload) {
        for (Consumer<JsonNode> l : listeners.getOrDefault(event, List.of())) {
            l.accept(payload);
        }
    }

    private void state(ConnectionState s) {
        stateListeners.forEach(l -> l.accept(s));
    }

    private static JsonNode node(Object arg) {
        try {
            if (arg instanceof JSONObject || arg instanceof org.json.JSONArray) {
                return Json.MAPPER.readTree(arg.toString());
            }
            return Json.MAPPER.valueToTree(arg instanceof Exception e ? Map.of("message", String.valueOf(
                    e.getMessage())) : arg);
        } catch (IOException e) {
            return Json.MAPPER.createObjectNode();
        }
    }

    @Override
    public void close() {
        closed = true;
        Socket s = socket;
        if (s != null) {
            s.close();
        }
    }
}
