package com.hushryd.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.internal.http.WebSocketInternal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fan-out ceiling of P-FANOUT: the least a server on HushRyd's stack (Vert.x 5 on Netty, one HTTP listener per
 * event loop) can do to answer {@link FanoutCommand}'s load, with no Socket.IO logic and no Redis. It speaks just enough
 * Engine.IO/Socket.IO text to pass the load client's handshake (an OPEN packet, a CONNECT answered, the rooms read from
 * the CONNECT payload by a string search) and, for each {@code 42["publish","room",payload]}, builds the packet
 * {@code 42["msg",payload]} once, as bytes, and writes those same bytes as one WebSocket text frame to every member,
 * each event loop writing to its own sockets (as HushRyd's gateway does). No pings, no acks, no recovery, no slow-consumer
 * checks. HushRyd's CPU per delivery is compared with this one's in {@code bench/compare.sh fanout --sides ceiling,...}.
 * With {@code WRITE=direct} (side {@code ceiling-direct}) the packet is framed once, header included, in one direct
 * buffer, and each member's channel gets a duplicate of it below Vert.x's WebSocket, flushed once after the loop's
 * pass over its members (the write path decision 0079 measured: no cheaper than Vert.x's); {@code WRITE=vertx} (the
 * default) is Vert.x's {@code writeFrame} per member, as before.
 *
 * <pre>
 * PORT=8080 HOST=127.0.0.1 EVENT_LOOPS=2 WRITE=vertx|direct java ... com.hushryd.bench.CeilingServer
 * </pre>
 * GET /stats answers {@code {"realtime":{"sockets":N}}} (readiness and a socket count), as the fixtures do.
 */
public final class CeilingServer {
    private static final String OPEN = "0{\"sid\":\"c\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,"
            + "\"maxPayload\":1000000}";

    /** Room name → its members, grouped by the event loop they live on. */
    private final Map<String, Map<Context, List<ServerWebSocket>>> rooms = new ConcurrentHashMap<>();
    private final AtomicInteger sockets = new AtomicInteger();
    private final boolean direct;

    private CeilingServer(boolean direct) {
        this.direct = direct;
    }

    public static void main(String[] args) {
        String host = System.getenv().getOrDefault("HOST", "127.0.0.1");
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        int loops = Integer.parseInt(System.getenv().getOrDefault("EVENT_LOOPS", "0"));
        int n = loops > 0 ? loops : 2 * Runtime.getRuntime().availableProcessors();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(n));
        boolean direct = "direct".equals(System.getenv().getOrDefault("WRITE", "vertx"));
        CeilingServer server = new CeilingServer(direct);
        for (int i = 0; i < n; i++) {
            vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setReuseAddress(true)
                            .setAcceptBacklog(8192))
                    .webSocketHandler(server::accept)
                    .requestHandler(req -> req.response().putHeader("content-type", "application/json")
                            .end("{\"realtime\":{\"sockets\":" + server.sockets.get() + "}}"))
                    .listen().toCompletionStage().toCompletableFuture().join();
        }
        System.err.printf("fan-out ceiling on http://%s:%d (%d event loops, %s writes)%n", host, port, n,
                direct ? "direct pre-framed" : "Vert.x writeFrame");
    }

    private void accept(ServerWebSocket ws) {
        Context ctx = Vertx.currentContext();
        List<String> joined = new ArrayList<>();
        sockets.incrementAndGet();
        ws.writeTextMessage(OPEN);
        ws.textMessageHandler(text -> {
            if (text.startsWith("42[\"publish\",\"")) {
                publish(text);
            } else if (text.startsWith("40")) {
                for (String room : roomsOf(text)) {
                    joined.add(room);
                    members(room, ctx).add(ws);
                }
                ws.writeTextMessage("40{\"sid\":\"s\"}");
            }
        });
        ws.closeHandler(v -> {
            sockets.decrementAndGet();
            ctx.runOnContext(x -> joined.forEach(room -> members(room, ctx).remove(ws)));
        });
    }

    /** The list of one room's members on one event loop, touched only from that loop. */
    private List<ServerWebSocket> members(String room, Context ctx) {
        return rooms.computeIfAbsent(room, r -> new ConcurrentHashMap<>()).computeIfAbsent(ctx, c -> new ArrayList<>());
    }

    private void publish(String text) {
        int roomStart = "42[\"publish\",\"".length();
        int roomEnd = text.indexOf('"', roomStart);
        if (roomEnd < 0 || text.charAt(roomEnd + 1) != ',') {
            return;
        }
        String room = text.substring(roomStart, roomEnd);
        String payload = text.substring(roomEnd + 2, text.length() - 1);
        byte[] packet = ("42[\"msg\"," + payload + "]").getBytes(StandardCharsets.UTF_8);
        Map<Context, List<ServerWebSocket>> byLoop = rooms.get(room);
        if (byLoop == null) {
            return;
        }
        if (direct) {
            ByteBuf frame = preFramed(packet);
            byLoop.forEach((ctx, members) -> ctx.runOnContext(v -> {
                for (int i = 0; i < members.size(); i++) {
                    ChannelHandlerContext ch = ((WebSocketInternal) members.get(i)).channelHandlerContext();
                    ch.write(frame.retainedDuplicate(), ch.voidPromise());
                }
                for (int i = 0; i < members.size(); i++) {
                    ((WebSocketInternal) members.get(i)).channelHandlerContext().flush();
                }
            }));
            return;
        }
        byLoop.forEach((ctx, members) -> ctx.runOnContext(v -> {
            for (int i = 0; i < members.size(); i++) {
                members.get(i).writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT,
                        Unpooled.wrappedBuffer(packet), true));
            }
        }));
    }

    /** A final, unmasked text frame of the packet, in a JDK direct buffer the garbage collector frees (never released). */
    private static ByteBuf preFramed(byte[] packet) {
        int n = packet.length;
        int header = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
        ByteBuf buf = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(header + n));
        buf.clear();
        buf.writeByte(0x81);
        if (n < 126) {
            buf.writeByte(n);
        } else if (n <= 0xFFFF) {
            buf.writeByte(126).writeShort(n);
        } else {
            buf.writeByte(127).writeLong(n);
        }
        return buf.writeBytes(packet);
    }

    /** The strings of the {@code "rooms":[...]} array of a CONNECT payload (no escapes: the load client's names). */
    private static List<String> roomsOf(String connect) {
        List<String> out = new ArrayList<>();
        int i = connect.indexOf("\"rooms\":[");
        if (i < 0) {
            return out;
        }
        int end = connect.indexOf(']', i);
        for (int q = connect.indexOf('"', i + 9); q >= 0 && q < end; ) {
            int close = connect.indexOf('"', q + 1);
            out.add(connect.substring(q + 1, close));
            q = connect.indexOf('"', close + 1);
        }
        return out;
    }
}
