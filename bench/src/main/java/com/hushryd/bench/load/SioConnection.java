package com.hushryd.bench.load;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.function.BiConsumer;

/**
 * A minimal Socket.IO v5 client over an Engine.IO v4 WebSocket, made for load: no JSON parsing of events (the
 * handler gets the raw packet text), pings answered, one namespace. Events run on the connection's event loop.
 */
public final class SioConnection {
    private final WebSocket ws;
    private final java.util.concurrent.ConcurrentHashMap<Long, java.util.function.Consumer<String>> acks =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong nextAck = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean connected;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicReference<Runnable> onClose =
            new java.util.concurrent.atomic.AtomicReference<>();

    private final String extensions;

    /** The WebSocket extensions the server accepted in the handshake ("" for none). */
    public String extensions() {
        return extensions;
    }

    private SioConnection(WebSocket ws) {
        this.ws = ws;
        // the handshake's headers are only there while the WebSocket is handed over
        String v = ws.headers() == null ? null : ws.headers().get("sec-websocket-extensions");
        this.extensions = v == null ? "" : v;
    }

    /**
     * Opens a WebSocket, completes the Engine.IO and Socket.IO handshakes with this CONNECT payload, and then passes
     * every EVENT packet ({@code 42...}) to {@code onEvent} with its receive time.
     */
    public static Future<SioConnection> open(WebSocketClient client, String host, int port, String authJson,
            BiConsumer<String, Long> onEvent) {
        Promise<SioConnection> ready = Promise.promise();
        client.connect(new WebSocketConnectOptions().setHost(host).setPort(port)
                .setURI("/socket.io/?EIO=4&transport=websocket")).onFailure(ready::tryFail).onSuccess(ws -> {
                    SioConnection c = new SioConnection(ws);
                    ws.textMessageHandler(text -> {
                        long now = System.nanoTime();
                        if (text.startsWith("42")) {
                            onEvent.accept(text, now);
                        } else if (text.startsWith("43")) {
                            c.onAck(text);
                        } else if (text.equals("2")) {
                            ws.writeTextMessage("3");
                        } else if (text.startsWith("0{")) {
                            ws.writeTextMessage(authJson == null ? "40" : "40" + authJson);
                        } else if (text.startsWith("40")) {
                            c.connected = true;
                            ready.tryComplete(c);
                        } else if (text.startsWith("44")) {
                            ready.tryFail("CONNECT refused: " + text);
                        }
                    });
                    ws.closeHandler(v -> {
                        c.closed = true;
                        ready.tryFail("closed before CONNECT");
                        c.runOnClose();
                    });
                    ws.exceptionHandler(e -> ready.tryFail(e));
                });
        return ready.future();
    }

    private void onAck(String text) {
        int end = 2;
        while (end < text.length() && Character.isDigit(text.charAt(end))) {
            end++;
        }
        if (end > 2) {
            java.util.function.Consumer<String> cb = acks.remove(Long.parseLong(text.substring(2, end)));
            if (cb != null) {
                cb.accept(text.substring(end));
            }
        }
    }

    /** Sends an EVENT asking for an acknowledgement; the callback gets the ack's JSON array text. */
    public void emitRawWithAck(String argsJson, java.util.function.Consumer<String> onAck) {
        if (!closed) {
            long id = nextAck.getAndIncrement();
            acks.put(id, onAck);
            ws.writeTextMessage("42" + id + argsJson);
        }
    }

    /** Sends an EVENT; {@code argsJson} is the JSON array body, e.g. {@code ["publish","r1",{...}]}. */
    public void emitRaw(String argsJson) {
        if (!closed) {
            ws.writeTextMessage("42" + argsJson);
        }
    }

    /** Runs {@code listener} once, when the WebSocket has closed (at once if it already has). */
    public void onClose(Runnable listener) {
        onClose.set(listener);
        if (closed) {
            runOnClose();
        }
    }

    private void runOnClose() {
        Runnable listener = onClose.getAndSet(null);
        if (listener != null) {
            listener.run();
        }
    }

    public boolean connected() {
        return connected && !closed;
    }

    public boolean writeQueueFull() {
        return ws.writeQueueFull();
    }

    public void close() {
        if (!closed) {
            ws.close();
        }
    }
}
