package com.hushryd.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.realtime.socketio.SocketIoServer;
import java.util.concurrent.CompletableFuture;

/**
 * The fan-out benchmark's server side, the same trivial application a peer server runs in the comparison: a client
 * joins the rooms listed in its CONNECT payload ({@code {"rooms":["r1"]}}), and {@code publish(room, payload)}
 * broadcasts {@code msg(payload)} to that room on every node.
 */
public final class FanoutFixture {
    private FanoutFixture() {
    }

    public static void install(SocketIoServer io, RealtimeGateway gateway) {
        io.namespace("/")
                .beforeConnect(socket -> {
                    JsonNode rooms = socket.handshakeAuth().get("rooms");
                    if (rooms != null && rooms.isArray()) {
                        for (JsonNode r : rooms) {
                            if (r.isTextual()) {
                                socket.join(r.asText());
                            }
                        }
                    }
                    return CompletableFuture.completedFuture(null);
                })
                .on("publish", (socket, args, ack) -> {
                    if (args.size() >= 2 && args.get(0).isTextual()) {
                        gateway.broadcastToRoom(args.get(0).asText(), "msg", args.get(1));
                    }
                    if (ack != null) {
                        ack.send();
                    }
                });
    }
}
