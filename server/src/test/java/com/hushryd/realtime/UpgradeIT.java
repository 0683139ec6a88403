package com.hushryd.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every official client that opens on polling upgrades to WebSocket, also when many connect at once to a node with
 * several event loops: the probe's WebSocket is often accepted on another loop than its session's, and the client's
 * {@code 2probe} must not be lost while the session takes it over (it was: about one client in six behind nginx stayed
 * on polling for good, the probe timing out).
 */
class UpgradeIT {
    static final int CLIENTS = 80;
    static TestNode node;
    static SocketIoAgent agent;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("EVENT_LOOPS", "4"));
        agent = SocketIoAgent.start();
    }

    @AfterAll
    static void stop() throws Exception {
        agent.close();
        node.close();
    }

    @Test
    void manyClientsAtOnce_eachUpgradesFromPolling() throws Exception {
        Account user = node.register("passenger");
        String url = node.api().base();
        ExecutorService pool = Executors.newFixedThreadPool(10);
        List<Future<Client>> connecting = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                String name = "upgrade-" + i;
                connecting.add(pool.submit(() -> agent.connect(name, url, Map.of("token", user.token()), Map.of())));
            }
            List<Client> clients = new ArrayList<>();
            for (Future<Client> f : connecting) {
                Client c = f.get();
                assertThat(c.connected()).as(c.connectReply().toString()).isTrue();
                clients.add(c);
            }
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                List<String> onPolling = clients.stream()
                        .filter(c -> c.notices().stream().noneMatch(n -> "upgrade".equals(n.path("type").asText())))
                        .map(c -> c.connectReply().path("id").asText() + " " + c.notices())
                        .toList();
                assertThat(onPolling).as("clients not upgraded, with their notices").isEmpty();
            });
        } finally {
            pool.shutdownNow();
        }
    }
}
