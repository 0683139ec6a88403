package com.hushryd.bench.load;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.IntFunction;

/**
 * Opens many Socket.IO connections from one JVM, spread over several loopback source addresses (127.0.0.1,
 * 127.0.0.2, ...) so that ephemeral ports do not run out, with a bounded number of handshakes in flight.
 */
public final class LoadClients {
    private final Vertx vertx;
    private final List<WebSocketClient> clients = new ArrayList<>();
    private final String host;
    private final int port;

    public LoadClients(Vertx vertx, URI url, int localAddresses) {
        this(vertx, url, localAddresses, false);
    }

    /** With {@code deflate}, every connection offers permessage-deflate (used when the server accepts it). */
    public LoadClients(Vertx vertx, URI url, int localAddresses, boolean deflate) {
        this.vertx = vertx;
        this.host = Targets.host(url);
        this.port = url.getPort() < 0 ? 80 : url.getPort();
        for (int i = 1; i <= Math.max(1, localAddresses); i++) {
            WebSocketClientOptions o = new WebSocketClientOptions().setMaxConnections(Integer.MAX_VALUE)
                    .setConnectTimeout(30_000).setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 22)
                    .setTryUsePerMessageCompression(deflate);
            if (localAddresses > 1) {
                o.setLocalAddress("127.0.0." + i);
            }
            clients.add(vertx.createWebSocketClient(o));
        }
    }

    public Vertx vertx() {
        return vertx;
    }

    /**
     * Opens {@code count} connections, {@code auth.apply(i)} being the CONNECT payload of the i-th, at most
     * {@code inFlight} handshakes at a time; prints progress; returns them in index order (null where one failed).
     */
    public List<SioConnection> open(int count, int inFlight, IntFunction<String> auth,
            BiConsumer<String, Long> onEvent, String what) throws InterruptedException {
        return openEach(count, inFlight, auth, i -> onEvent, what);
    }

    /**
     * As {@link #open}, with a handler of its own for each connection ({@code onEventOf.apply(i)} for the i-th), e.g.
     * to tell duplicates per receiver.
     */
    public List<SioConnection> openEach(int count, int inFlight, IntFunction<String> auth,
            IntFunction<BiConsumer<String, Long>> onEventOf, String what) throws InterruptedException {
        Semaphore slots = new Semaphore(inFlight);
        java.util.concurrent.atomic.AtomicReferenceArray<SioConnection> byIndex =
                new java.util.concurrent.atomic.AtomicReferenceArray<>(count);
        AtomicInteger connected = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        long start = System.nanoTime();
        long lastPrint = start;
        for (int i = 0; i < count; i++) {
            slots.acquire();
            WebSocketClient client = clients.get(i % clients.size());
            Future<SioConnection> f = SioConnection.open(client, host, port, auth.apply(i), onEventOf.apply(i));
            int index = i;
            f.onComplete(ar -> {
                if (ar.succeeded()) {
                    byIndex.set(index, ar.result());
                    connected.incrementAndGet();
                } else {
                    if (failed.incrementAndGet() <= 3) {
                        System.err.println("  connection failed: " + ar.cause());
                    }
                }
                done.incrementAndGet();
                slots.release();
            });
            long now = System.nanoTime();
            if (now - lastPrint > TimeUnit.SECONDS.toNanos(2)) {
                lastPrint = now;
                System.err.printf("  %s: %d/%d connected, %d failed (%.0f/s)%n", what, connected.get(), count,
                        failed.get(), done.get() / ((now - start) / 1e9));
            }
        }
        slots.acquire(inFlight);
        slots.release(inFlight);
        System.err.printf("  %s: %d/%d connected, %d failed in %.1f s%n", what, connected.get(), count, failed.get(),
                (System.nanoTime() - start) / 1e9);
        List<SioConnection> open = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            open.add(byIndex.get(i));
        }
        return open;
    }

    /**
     * Opens the i-th connection (on the i-th source address, round robin) without waiting for it; see
     * {@link SioConnection#open}.
     */
    public Future<SioConnection> connect(int i, String authJson, BiConsumer<String, Long> onEvent) {
        return SioConnection.open(clients.get(i % clients.size()), host, port, authJson, onEvent);
    }

    public void close() {
        clients.forEach(WebSocketClient::close);
    }
}
