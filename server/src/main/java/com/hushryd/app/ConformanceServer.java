package com.hushryd.app;

import com.hushryd.realtime.ConformanceFixture;
import com.hushryd.realtime.engineio.EngineOptions;
import com.hushryd.realtime.engineio.EngineServer;
import com.hushryd.realtime.socketio.SocketIoServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code hushryd serve --conformance}: the gateway alone, configured as the official Socket.IO protocol test-suite's
 * fixture (pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1000000), with no database.
 */
public final class ConformanceServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConformanceServer.class);

    private final Vertx vertx;
    private final HttpServers servers;

    private ConformanceServer(Vertx vertx, HttpServers servers) {
        this.vertx = vertx;
        this.servers = servers;
    }

    public static ConformanceServer start(String host, int port) throws Exception {
        Vertx vertx = Vertx.vertx();
        SocketIoServer io = new SocketIoServer(Duration.ofSeconds(45));
        ConformanceFixture.install(io);
        EngineServer engine = new EngineServer(new EngineOptions(Duration.ofMillis(300), Duration.ofMillis(200),
                1_000_000, 1 << 20, Duration.ofSeconds(10), List.of("*")), io);
        HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port)
                .setMaxWebSocketFrameSize(1_000_000).setMaxWebSocketMessageSize(1_000_000);
        HttpServers servers = HttpServers.start(vertx, 1, options, req -> {
            if (req.path().startsWith(EngineOptions.PATH) || req.path().equals("/socket.io")) {
                engine.handle(req);
            } else {
                req.response().setStatusCode(404).end();
            }
        }).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        log.info("Socket.IO conformance fixture listening on http://{}:{}/socket.io/", host, servers.port());
        return new ConformanceServer(vertx, servers);
    }

    public int port() {
        return servers.port();
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
