package com.hushryd.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.hushryd.realtime.engineio.EngineListener;
import com.hushryd.realtime.engineio.EngineSession;
import com.hushryd.realtime.engineio.Frame;
import com.hushryd.realtime.socketio.SocketIoServer;
import java.util.ArrayList;
import java.util.List;

/**
 * The behaviour the official Socket.IO protocol test-suite expects of a server: namespaces {@code /} and
 * {@code /custom}, {@code auth} emitted with the CONNECT payload, {@code message} echoed as {@code message-back},
 * {@code message-with-ack} acknowledged with its own arguments.
 */
public final class ConformanceFixture {
    private ConformanceFixture() {
    }

    public static void install(SocketIoServer io) {
        for (String name : List.of("/", "/custom")) {
            io.namespace(name).onConnection(s -> s.emit("auth", s.handshakeAuth()));
        }
        io.namespace("/")
                .on("message", (socket, args, ack) -> socket.emit("message-back", elements(args)))
                .on("message-with-ack", (socket, args, ack) -> {
                    if (ack != null) {
                        ack.send(elements(args));
                    }
                });
    }

    /**
     * The behaviour the official Engine.IO protocol test-suite expects of a bare Engine.IO server (served at
     * {@code /engine.io/} by the conformance fixture): every message is sent back as it came.
     */
    public static EngineListener echo() {
        return new EngineListener() {
            @Override
            public void onOpen(EngineSession session) {
            }

            @Override
            public void onText(EngineSession session, String data) {
                session.send(Frame.text("4" + data));
            }

            @Override
            public void onBinary(EngineSession session, byte[] data) {
                session.send(Frame.binary(data));
            }

            @Override
            public void onClose(EngineSession session, String reason) {
            }
        };
    }

    private static Object[] elements(ArrayNode args) {
        List<JsonNode> list = new ArrayList<>(args.size());
        args.forEach(list::add);
        return list.toArray();
    }
}
