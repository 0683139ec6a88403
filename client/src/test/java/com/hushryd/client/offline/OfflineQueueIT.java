package com.hushryd.client.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.client.Attempt;
import com.hushryd.client.HushRydClient;
import com.hushryd.client.model.SosRequest;
import com.hushryd.testing.NodeProcess;
import com.hushryd.testing.Sql;
import com.hushryd.testing.TcpProxy;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The offline queue against real nodes: actions queued while the network is cut by an app that is then killed are
 * sent by the next instance on the same journal, in order and exactly once even when answers are lost on the way back;
 * actions queued while the node is killed are delivered once it is back. The verdict is read in PostgreSQL.
 */
class OfflineQueueIT {
    /** In the port range of this work (22000-22999), fixed so a restarted node is where the app expects it. */
    private static final int NODE_PORT = 22000 + (int) (ProcessHandle.current().pid() % 900);

    @Test
    void appKilledWithActionsQueued_nextInstanceOnTheJournal_sendsEachOnceInOrder() throws Exception {
        try (TestNode node = TestNode.start(); TcpProxy proxy = new TcpProxy("127.0.0.1", node.node().port())) {
            String db = node.settings().get("DATABASE_URL");
            Account driver = node.register("driver");
            Account rider = node.register("passenger");
            String trip = node.createTrip(driver, "Thrissur", "Palakkad", 2, 3, 120);
            String booking = node.api().post("/api/v1/trips/" + trip + "/bookings", rider.token(),
                    Map.of("seats", 1)).str("id");
            Path journal = Files.createTempDirectory("hushryd-sdk").resolve("queue.journal");
            String base = "http://127.0.0.1:" + proxy.port();

            proxy.suspend(); // the phone has no network
            Process app = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), QueueingApp.class.getName(), base,
                    journal.toString(), rider.token(), rider.id(), booking, trip).redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(app.getInputStream(),
                        StandardCharsets.UTF_8));
                String line;
                do {
                    line = out.readLine();
                } while (line != null && !line.startsWith("QUEUED"));
                assertThat(line).isEqualTo("QUEUED 5");
            } finally {
                app.destroyForcibly(); // SIGKILL: nothing is flushed, no shutdown hook runs
                app.waitFor(30, TimeUnit.SECONDS);
            }
            assertThat(Sql.number(db, "SELECT count(*) FROM chat_messages WHERE conversation_id = ?::uuid", booking))
                    .isZero();

            List<Attempt> attempts = new CopyOnWriteArrayList<>();
            try (HushRydClient next = HushRydClient.builder(base).journal(journal).onAttempt(attempts::add)
                    .queueLimits(new OfflineQueue.Limits(100, Duration.ofMillis(500))).build()) {
                next.useToken(rider.token(), rider.id());
                OfflineQueue queue = next.offlineQueue();
                assertThat(queue.pending()).extracting(QueuedAction::type).containsExactly(ActionType.CHAT_MESSAGE,
                        ActionType.CHAT_MESSAGE, ActionType.SOS, ActionType.CHAT_MESSAGE, ActionType.CANCEL_BOOKING);
                await().atMost(Duration.ofSeconds(30)).until(() -> attempts.size() >= 2); // still offline
                proxy.dropResponses(3); // and when it comes back, the first answers are lost on the way
                proxy.resume();
                queue.flushNow();
                await().atMost(Duration.ofSeconds(60)).until(() -> queue.pending().isEmpty());
            }
            assertThat(Sql.rows(db, "SELECT body FROM chat_messages WHERE conversation_id = ?::uuid ORDER BY id",
                    booking)).extracting(r -> r.get("body")).containsExactly("1: leaving now", "2: at the gate",
                            "3: sorry, cancelling");
            assertThat(Sql.number(db, "SELECT count(*) FROM sos_alerts WHERE user_id = ?::uuid", rider.id()))
                    .isEqualTo(1);
            assertThat(Sql.rows(db, "SELECT status FROM bookings WHERE id = ?::uuid", booking).get(0).get("status"))
                    .isEqualTo("cancelled");
            // SOS before the third message, the cancellation last: the order they were queued in
            assertThat(Sql.number(db, "SELECT count(*) FROM sos_alerts a, chat_messages m WHERE a.user_id = ?::uuid "
                    + "AND m.conversation_id = ?::uuid AND m.body LIKE '3:%' AND a.created_at < m.created_at",
                    rider.id(), booking)).isEqualTo(1);
            assertThat(Sql.number(db, "SELECT count(*) FROM bookings b, chat_messages m WHERE b.id = ?::uuid "
                    + "AND m.conversation_id = b.id AND m.body LIKE '3:%' AND m.created_at < b.cancelled_at",
                    booking)).isEqualTo(1);
            assertThat(attempts).as("every action was tried again after a lost answer, and none twice in the DB")
                    .filteredOn(a -> a.status() == 0).hasSizeGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void nodeKilledAndRestarted_actionsQueuedMeanwhile_deliveredOnceItIsBack() throws Exception {
        NodeProcess node = NodeProcess.start("sdk-queue", Map.of("PORT", String.valueOf(NODE_PORT)));
        try {
            String db = node.database();
            Account driver = node.register("driver");
            Account rider = node.register("passenger");
            String trip = node.createTrip(driver, "Vellore", "Chennai", 2, 3, 180);
            String booking = node.api().post("/api/v1/trips/" + trip + "/bookings", rider.token(),
                    Map.of("seats", 1)).str("id");
            Path journal = Files.createTempDirectory("hushryd-sdk").resolve("queue.journal");
            try (HushRydClient app = HushRydClient.builder("http://127.0.0.1:" + NODE_PORT).journal(journal)
                    .queueLimits(new OfflineQueue.Limits(100, Duration.ofSeconds(1))).build()) {
                app.useToken(rider.token(), rider.id());
                node.kill9();
                app.offlineQueue().sendMessage(booking, "are you on the way?");
                app.offlineQueue().sos(new SosRequest(trip, null, null, null, "node was down"));
                node = node.restart();
                await().atMost(Duration.ofSeconds(90)).until(() -> app.offlineQueue().pending().isEmpty());
            }
            assertThat(Sql.number(db, "SELECT count(*) FROM chat_messages WHERE conversation_id = ?::uuid", booking))
                    .isEqualTo(1);
            assertThat(Sql.number(db, "SELECT count(*) FROM sos_alerts WHERE user_id = ?::uuid", rider.id()))
                    .isEqualTo(1);
        } finally {
            node.close();
        }
    }
}
