package com.hushryd.realtime.engineio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Decision 0079: frames written pre-framed below Vert.x reach the client byte for byte, in order, one shared frame to
 * many sockets; a socket that negotiated permessage-deflate keeps Vert.x's (compressing) write path.
 */
class DirectWriteIT {
    private final Vertx vertx = Vertx.vertx();
    private final List<EngineSession> sessions = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private int start(boolean deflate) throws Exception {
        EngineServer engine = new EngineServer(EngineOptions.defaults(), new EngineListener() {
            @Override
            public void onOpen(EngineSession session) {
                sessions.add(session);
            }

            @Override
            public void onText(EngineSession session, String data) {
            }

            @Override
            public void onBinary(EngineSession session, byte[] data) {
            }

            @Override
            public void onClose(EngineSession session, String reason) {
                sessions.remove(session);
            }
        });
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
                        .setPerMessageWebSocketCompressionSupported(deflate).setPerFrameWebSocketCompressionSupported(false))
                .requestHandler(engine::handle);
        return server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    }

    /** What a client received after the OPEN packet (which may arrive before the handler is set: not counted). */
    private record Client(WebSocket ws, List<String> texts) {
        List<String> afterOpen() {
            return texts.stream().filter(t -> !t.startsWith("0{")).toList();
        }
    }

    private Client connect(int port, boolean offerDeflate) throws Exception {
        WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setTryUsePerMessageCompression(offerDeflate).setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20));
        List<String> texts = new CopyOnWriteArrayList<>();
        WebSocket ws = client.connect(port, "127.0.0.1", "/socket.io/?EIO=4&transport=websocket")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        ws.textMessageHandler(texts::add);
        return new Client(ws, texts);
    }

    /** Writes on each session's loop: a shared frame, then one of the session's own, {@code rounds} times. */
    private void writeRounds(Frame shared, int rounds) {
        for (EngineSession s : sessions) {
            s.execute(() -> {
                for (int i = 0; i < rounds; i++) {
                    s.send(shared);
                    s.send(Frame.text("4own-" + i));
                }
            });
        }
    }

    private static List<String> expected(String shared, int rounds) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            out.add(shared);
            out.add("4own-" + i);
        }
        return out;
    }

    @Test
    void plainSockets_sharedAndOwnFrames_arriveWhole_inOrder_writtenDirect() throws Exception {
        int port = start(false);
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            clients.add(connect(port, false));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> sessions.size() == 3);
        assertThat(sessions).allMatch(EngineSession::writesDirect);

        // the three header forms: 7-bit, 16-bit and 64-bit payload lengths
        for (int size : new int[] {100, 300, 70_000}) {
            String shared = "4" + "x".repeat(size - 1);
            writeRounds(Frame.text(shared), 50);
            List<String> want = expected(shared, 50);
            for (Client c : clients) {
                await().atMost(Duration.ofSeconds(10)).until(() -> c.afterOpen().size() >= want.size());
                assertThat(c.afterOpen()).as("frames of %d bytes", size).containsExactlyElementsOf(want);
                c.texts().clear();
            }
        }
    }

    @Test
    void deflateNegotiated_keepsVertxWrites_andCompressedFramesArrive() throws Exception {
        int port = start(true);
        Client compressed = connect(port, true);
        Client plain = connect(port, false);
        await().atMost(Duration.ofSeconds(10)).until(() -> sessions.size() == 2);
        assertThat(compressed.ws().headers().get("sec-websocket-extensions")).startsWith("permessage-deflate");
        assertThat(sessions).filteredOn(s -> !s.writesDirect()).hasSize(1);

        String shared = "4" + "y".repeat(2_000);
        writeRounds(Frame.text(shared), 20);
        List<String> want = expected(shared, 20);
        for (Client c : List.of(compressed, plain)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> c.afterOpen().size() >= want.size());
            assertThat(c.afterOpen()).containsExactlyElementsOf(want);
        }
    }
}
