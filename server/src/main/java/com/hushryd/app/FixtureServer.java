package com.hushryd.app;

import com.hushryd.realtime.Broker;
import com.hushryd.realtime.ConformanceFixture;
import com.hushryd.realtime.FanoutFixture;
import com.hushryd.realtime.RealtimeGateway;
import com.hushryd.realtime.engineio.EngineOptions;
import com.hushryd.realtime.engineio.EngineServer;
import com.hushryd.realtime.memory.InProcessBroker;
import com.hushryd.realtime.redis.RedisBroker;
import com.hushryd.realtime.socketio.SocketIoServer;
import com.hushryd.common.Json;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The realtime gateway alone, with no database, running a fixture application:
 * {@code conformance} (the official Socket.IO protocol test-suite's fixture: pingInterval 300 ms, pingTimeout
 * 200 ms, maxPayload 1000000) or {@code fanout} (the fan-out benchmark's rooms and publish; Redis broker when
 * REDIS_URL is set).
 */
public final class FixtureServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FixtureServer.class);

    /** The fixtures {@code serve --fixture} can run. */
    public enum Fixture {
        CONFORMANCE, FANOUT
    }

    private final Vertx vertx;
    private final HttpServers servers;
    private final Broker broker;
    private final RealtimeGateway gateway;

    private final com.hushryd.realtime.socketio.Recovery recovery;

    private FixtureServer(Vertx vertx, HttpServers servers, Broker broker, RealtimeGateway gateway,
            com.hushryd.realtime.socketio.Recovery recovery) {
        this.recovery = recovery;
        this.vertx = vertx;
        this.servers = servers;
        this.broker = broker;
        this.gateway = gateway;
    }

    /** The conformance fixture on one event loop. */
    public static FixtureServer conformance(String host, int port) throws Exception {
        return start(Fixture.CONFORMANCE, ConfigLoader.load(java.util.Map.of("HOST", host, "PORT",
                Integer.toString(port), "EVENT_LOOPS", "1")));
    }

    public static FixtureServer start(Fixture fixture, Config config) throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(config.eventLoops()));
        SocketIoServer io = new SocketIoServer(Duration.ofSeconds(45));
        EngineOptions options = fixture == Fixture.CONFORMANCE
                ? new EngineOptions(Duration.ofMillis(300), Duration.ofMillis(200), 1_000_000, 1 << 20,
                        Duration.ofSeconds(10), List.of("*"))
                : new EngineOptions(config.realtimePingInterval(), config.realtimePingTimeout(),
                        config.realtimeMaxPayload(), config.realtimeMaxBuffered(), Duration.ofSeconds(10),
                        config.realtimeCorsOrigins());
        EngineServer engine = new EngineServer(options, io);
        boolean recover = fixture == Fixture.FANOUT && !config.realtimeRecoveryWindow().isZero();
        java.util.function.Function<Object, String> anyone = user -> "fixture"; // the fixture has no accounts
        Broker broker;
        com.hushryd.realtime.socketio.Recovery recovery = null;
        if (config.redis().isPresent() && fixture == Fixture.FANOUT) {
            RedisBroker redisBroker = new RedisBroker(config.redis().get(), config.nodeId());
            broker = redisBroker;
            if (recover) {
                recovery = new com.hushryd.realtime.redis.RedisRecovery(config.redis().get(), redisBroker, anyone,
                        config.realtimeRecoveryWindow(), config.realtimeRecoveryHistory());
            }
        } else {
            InProcessBroker.Hub hub = new InProcessBroker.Hub();
            broker = new InProcessBroker(hub, config.nodeId());
            if (recover) {
                recovery = new com.hushryd.realtime.memory.MemoryRecovery(hub, anyone,
                        config.realtimeRecoveryWindow(), config.realtimeRecoveryHistory(), java.time.Clock.systemUTC());
            }
        }
        RealtimeGateway gateway = new RealtimeGateway(io, engine, broker, config.nodeId());
        if (fixture == Fixture.CONFORMANCE) {
            ConformanceFixture.install(io);
        } else {
            FanoutFixture.install(io, gateway);
            io.namespace("/").recovery(recovery);
        }
        HttpServerOptions http = new HttpServerOptions().setHost(config.host()).setPort(config.port())
                .setAcceptBacklog(8192)
                .setMaxWebSocketFrameSize(options.maxPayload()).setMaxWebSocketMessageSize(options.maxPayload())
                .setPerMessageWebSocketCompressionSupported(config.realtimePerMessageDeflate())
                .setPerFrameWebSocketCompressionSupported(false);
        // the conformance fixture also serves a bare Engine.IO echo server, for the Engine.IO protocol test-suite
        EngineServer bareEngine = fixture == Fixture.CONFORMANCE ? new EngineServer(options,
                ConformanceFixture.echo()) : null;
        HttpServers servers = HttpServers.start(vertx, config.eventLoops(), http, req -> {
            if (req.path().startsWith(EngineOptions.PATH) || req.path().equals("/socket.io")) {
                engine.handle(req);
            } else if (bareEngine != null && (req.path().startsWith("/engine.io/") || req.path().equals("/engine.io"))) {
                bareEngine.handle(req);
            } else if (req.path().equals("/stats")) {
                // for benchmarks: connection counts, and the heap after a GC when asked (?gc=1)
                if ("1".equals(req.getParam("gc"))) {
                    System.gc();
                }
                Runtime rt = Runtime.getRuntime();
                java.util.Map<String, Object> stats = new java.util.LinkedHashMap<>();
                stats.put("realtime", gateway.connectionStats());
                stats.put("heapUsedBytes", rt.totalMemory() - rt.freeMemory());
                req.response().putHeader("Content-Type", "application/json").end(Buffer.buffer(Json.bytes(stats)));
            } else {
                req.response().setStatusCode(404).end();
            }
        }, HttpServerRequest.DEFAULT_INVALID_REQUEST_HANDLER).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        log.info("Socket.IO {} fixture listening on http://{}:{}/socket.io/ ({} broker, {} event loops, connection "
                + "state recovery {})", fixture.name().toLowerCase(), config.host(), servers.port(), broker.name(),
                servers.instances(), recovery == null ? "off" : "on");
        return new FixtureServer(vertx, servers, broker, gateway, recovery);
    }

    public int port() {
        return servers.port();
    }

    public RealtimeGateway gateway() {
        return gateway;
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        if (recovery instanceof AutoCloseable closeable) {
            closeable.close();
        }
        broker.close();
    }
}
