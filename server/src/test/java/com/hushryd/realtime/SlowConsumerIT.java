package com.hushryd.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A client that stops reading is disconnected once its outbound buffer is full; nobody else is affected. */
class SlowConsumerIT {

    /** A raw Socket.IO client whose reading the test controls: it takes messages only when asked to. */
    static final class StallingClient implements WebSocket.Listener {
        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onOpen(WebSocket ws) {
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                texts.add(partial.toString());
                partial.setLength(0);
            }
            return null; // no further request(): the client stops reading
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            closed.complete(status);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete(-1);
        }
    }

    @Test
    void clientThatStopsReading_isDisconnected_whileOthersKeepReceiving() throws Exception {
        try (TestNode node = TestNode.start(Map.of("REALTIME_MAX_BUFFERED", "64kb"));
                SocketIoAgent agent = SocketIoAgent.start()) {
            Account slowUser = node.register("passenger");
            Account fastUser = node.register("passenger");
            StallingClient slow = new StallingClient();
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(
                    node.api().base().replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"), slow)
                    .get(10, TimeUnit.SECONDS);
            assertThat(slow.texts.poll(5, TimeUnit.SECONDS)).startsWith("0{");
            ws.sendText("40{\"token\":\"" + slowUser.token() + "\"}", true);
            ws.request(1);
            assertThat(slow.texts.poll(5, TimeUnit.SECONDS)).startsWith("40{");
            Client fast = agent.connect("fast", node.api().base(), fastUser.token());

            String chunk = "x".repeat(100_000);
            long before = node.node().gateway().connectionStats().slowConsumerDisconnects();
            UUID slowId = UUID.fromString(slowUser.id());
            UUID fastId = UUID.fromString(fastUser.id());
            AtomicInteger ticksWhileSlowConnected = new AtomicInteger();
            // each round floods the slow client and, while it is still connected, the fast one must get its tick
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
                node.node().gateway().broadcastToUser(slowId, "flood", chunk);
                if (node.node().gateway().connectionStats().slowConsumerDisconnects() > before) {
                    return true;
                }
                int tick = ticksWhileSlowConnected.get();
                node.node().gateway().broadcastToUser(fastId, "tick", tick);
                fast.awaitEvent("tick", args -> args.get(0).asInt() == tick, Duration.ofSeconds(2));
                ticksWhileSlowConnected.incrementAndGet();
                return false;
            });
            assertThat(ticksWhileSlowConnected.get()).as("rounds in which the fast client kept receiving while the "
                    + "slow one filled its buffer").isPositive();
            assertThat(slow.texts).as("the slow client read nothing after connecting").isEmpty();
            assertThat(node.node().gateway().connectionStats().sockets()).as("only the fast client remains")
                    .isEqualTo(1);

            node.node().gateway().broadcastToUser(UUID.fromString(fastUser.id()), "still", "fine");
            assertThat(fast.awaitEvent("still").get(0).asText()).isEqualTo("fine");
            ws.abort();
        }
    }
}
