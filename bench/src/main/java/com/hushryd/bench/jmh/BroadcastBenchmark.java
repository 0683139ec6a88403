package com.hushryd.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.hushryd.realtime.Broker;
import com.hushryd.realtime.FanoutFixture;
import com.hushryd.realtime.RealtimeGateway;
import com.hushryd.realtime.engineio.EngineOptions;
import com.hushryd.realtime.engineio.EngineServer;
import com.hushryd.realtime.memory.InProcessBroker;
import com.hushryd.realtime.redis.RedisBroker;
import com.hushryd.realtime.socketio.SocketIoServer;
import com.hushryd.store.RedisUrl;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.impl.ws.WebSocketFrameInternal;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One room broadcast through the gateway, without a network: {@link RealtimeGateway#broadcastToRoom} encodes the
 * event once, writes the frame to each of the room's {@code members} sessions, and hands it to the broker
 * ({@code memory}: the in-process hub, no other node; {@code redis}: a Redis PUBLISH, at most 1,024 in flight, so
 * Redis's pace is part of the cost). Each session is a real Engine.IO + Socket.IO session of the fan-out fixture that
 * joined the room through its CONNECT payload; its WebSocket is in memory and runs each frame through Netty's
 * WebSocket frame encoder on an {@link EmbeddedChannel} (what a real write does before the socket system call, which
 * is not measured). All sessions live on the benchmark thread, so a broadcast runs synchronously. Score: time per
 * broadcast (divide by {@code members} for the time per delivery).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BroadcastBenchmark {
    private static final int MAX_PUBLISHES_IN_FLIGHT = 1024;

    @Param({"memory", "redis"})
    String broker;

    @Param({"10", "100", "1000"})
    int members;

    private Vertx vertx;
    private Broker brokerImpl;
    private RealtimeGateway gateway;
    private JsonNode payload;
    private long broadcasts;
    private long written;

    @Setup
    public void setUp() {
        vertx = Vertx.vertx();
        String nodeId = "jmh-" + Long.toHexString(System.nanoTime());
        brokerImpl = broker.equals("redis") ? new RedisBroker(Redis.url(), nodeId)
                : new InProcessBroker(new InProcessBroker.Hub(), nodeId);
        SocketIoServer io = new SocketIoServer(Duration.ofSeconds(45));
        // no heartbeat during the measurement: its timer would write from the event-loop thread
        EngineServer engine = new EngineServer(new EngineOptions(Duration.ofHours(1), Duration.ofHours(1), 1_000_000,
                1 << 20, Duration.ofSeconds(10), List.of("*")), io);
        gateway = new RealtimeGateway(io, engine, brokerImpl, nodeId);
        FanoutFixture.install(io, gateway);
        Context context = vertx.getOrCreateContext();
        for (int i = 0; i < members; i++) {
            MemoryWebSocket ws = new MemoryWebSocket();
            engine.openWebSocket(context, ws.proxy, "127.0.0.1", MultiMap.caseInsensitiveMultiMap());
            ws.receive("40{\"rooms\":[\"room-1\"]}");
        }
        payload = JsonNodeFactory.instance.objectNode().put("t", 1_234_567_890_123L).put("p", "x".repeat(100));
        if (io.socketCount() != members || !io.rooms().hasLocalMembers("room-1")) {
            throw new IllegalStateException("expected " + members + " sockets in room-1, got " + io.socketCount());
        }
    }

    @Benchmark
    public long broadcast() {
        gateway.broadcastToRoom("room-1", "msg", payload);
        if (++broadcasts % 64 == 0) {
            Broker.Stats s;
            while (broadcasts - (s = brokerImpl.stats()).published() - s.dropped() > MAX_PUBLISHES_IN_FLIGHT
                    && broker.equals("redis")) {
                Thread.onSpinWait();
            }
        }
        return written;
    }

    @TearDown
    public void tearDown() {
        brokerImpl.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    /** A server WebSocket in memory: frames go through Netty's encoder into an embedded channel and are dropped. */
    private final class MemoryWebSocket {
        final EmbeddedChannel channel = new EmbeddedChannel(new WebSocket08FrameEncoder(false));
        final ServerWebSocket proxy;
        Handler<String> text;

        MemoryWebSocket() {
            proxy = (ServerWebSocket) Proxy.newProxyInstance(ServerWebSocket.class.getClassLoader(),
                    new Class<?>[] {ServerWebSocket.class}, (self, method, args) -> {
                        switch (method.getName()) {
                            case "writeFrame" -> {
                                write((WebSocketFrameInternal) args[0]);
                                return Future.succeededFuture();
                            }
                            case "textMessageHandler" -> text = cast(args[0]);
                            case "writeQueueFull", "isClosed" -> {
                                return false;
                            }
                            case "hashCode" -> {
                                return System.identityHashCode(self);
                            }
                            case "equals" -> {
                                return self == args[0];
                            }
                            case "toString" -> {
                                return "MemoryWebSocket";
                            }
                            default -> {
                            }
                        }
                        Class<?> r = method.getReturnType();
                        return r.isInstance(self) ? self : r == Future.class ? Future.succeededFuture() : null;
                    });
        }

        @SuppressWarnings("unchecked")
        private static Handler<String> cast(Object handler) {
            return (Handler<String>) handler;
        }

        void receive(String packet) {
            text.handle(packet);
        }

        private void write(WebSocketFrameInternal frame) {
            ByteBuf data = frame.getBinaryData();
            channel.writeOutbound(frame.isText() ? new TextWebSocketFrame(true, 0, data)
                    : new BinaryWebSocketFrame(true, 0, data));
            Object out;
            while ((out = channel.readOutbound()) != null) {
                written += ((ByteBuf) out).readableBytes();
                ReferenceCountUtil.release(out);
            }
        }
    }
}
