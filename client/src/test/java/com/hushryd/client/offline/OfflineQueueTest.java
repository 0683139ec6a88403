package com.hushryd.client.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.hushryd.client.ApiException;
import com.hushryd.client.NetworkException;
import com.hushryd.client.model.SosRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The queue's journal and policies, with a sender standing in for the network (up, down, refusing). */
class OfflineQueueTest {
    @TempDir
    Path dir;

    /** A network that is down until {@link #up}, then records what it delivers. */
    static final class FakeSender implements Sender {
        volatile boolean up;
        volatile String refuseCode;
        final List<QueuedAction> sent = new CopyOnWriteArrayList<>();

        @Override
        public JsonNode send(QueuedAction action) {
            if (!up) {
                throw new NetworkException("down", new IOException("connection refused"));
            }
            if (refuseCode != null && action.type() == ActionType.CHAT_MESSAGE) {
                throw ApiException.of(409, refuseCode, "closed", null, "r", null);
            }
            sent.add(action);
            return JsonNodeFactory.instance.objectNode().put("ok", true);
        }

        @Override
        public String userId() {
            return "user-1";
        }
    }

    private static final OfflineQueue.Limits SMALL = new OfflineQueue.Limits(3, Duration.ofMillis(50));

    @Test
    void actions_surviveReopen_andAreSentInOrder_eachOnce() throws Exception {
        Path file = dir.resolve("q.journal");
        FakeSender down = new FakeSender();
        OfflineQueue q = OfflineQueue.open(file, down, SMALL);
        QueuedAction m1 = q.sendMessage("c1", "one");
        QueuedAction cancel = q.cancelBooking("b1");
        QueuedAction sos = q.sos(new SosRequest(null, 1.0, 2.0, null, "help"));
        q.close();

        FakeSender sender = new FakeSender();
        OfflineQueue reopened = OfflineQueue.open(file, sender, SMALL);
        assertThat(reopened.pending()).containsExactly(m1, cancel, sos);
        sender.up = true;
        reopened.flushNow();
        await().atMost(Duration.ofSeconds(10)).until(() -> reopened.pending().isEmpty());
        assertThat(sender.sent).extracting(QueuedAction::idempotencyKey)
                .containsExactly(m1.idempotencyKey(), cancel.idempotencyKey(), sos.idempotencyKey());
        assertThat(sender.sent.get(0).body().path("clientMessageId").asText()).isEqualTo(m1.idempotencyKey());
        reopened.close();

        OfflineQueue again = OfflineQueue.open(file, new FakeSender(), SMALL);
        assertThat(again.pending()).as("delivered actions are not sent again").isEmpty();
        again.close();
    }

    @Test
    void aJournalInUse_isRefusedToASecondQueue_untilTheFirstCloses() throws Exception {
        Path file = dir.resolve("q");
        OfflineQueue first = OfflineQueue.open(file, new FakeSender(), SMALL);
        assertThatThrownBy(() -> OfflineQueue.open(file, new FakeSender(), SMALL)).isInstanceOf(IOException.class)
                .hasMessageContaining("in use");
        first.close();
        OfflineQueue.open(file, new FakeSender(), SMALL).close();
    }

    @Test
    void full_refusesNewActions_butNeverAnSos() throws Exception {
        OfflineQueue q = OfflineQueue.open(dir.resolve("q"), new FakeSender(), SMALL);
        q.sendMessage("c1", "1");
        q.sendMessage("c1", "2");
        q.cancelBooking("b1");
        assertThatThrownBy(() -> q.sendMessage("c1", "3")).isInstanceOf(QueueFullException.class);
        assertThatThrownBy(() -> q.cancelBooking("b2")).isInstanceOf(QueueFullException.class);
        q.sos(new SosRequest(null, null, null, null, null));
        q.sos(new SosRequest(null, null, null, null, null));
        assertThat(q.pending()).hasSize(5);
        q.close();
    }

    @Test
    void refusedForGood_isReportedAndDropped_theNextOnesGoOn() throws Exception {
        FakeSender sender = new FakeSender();
        sender.up = true;
        sender.refuseCode = "CONVERSATION_CLOSED";
        OfflineQueue q = OfflineQueue.open(dir.resolve("q"), sender, SMALL);
        List<String> failed = new CopyOnWriteArrayList<>();
        q.onFailed((a, e) -> failed.add(e.code()));
        q.sendMessage("c1", "late");
        q.cancelBooking("b1");
        await().atMost(Duration.ofSeconds(10)).until(() -> q.pending().isEmpty());
        assertThat(failed).containsExactly("CONVERSATION_CLOSED");
        assertThat(sender.sent).extracting(QueuedAction::type).containsExactly(ActionType.CANCEL_BOOKING);
        q.close();
    }

    @Test
    void tornLastLine_fromACrashDuringAWrite_isIgnored() throws Exception {
        Path file = dir.resolve("q");
        OfflineQueue q = OfflineQueue.open(file, new FakeSender(), SMALL);
        QueuedAction kept = q.cancelBooking("b1");
        q.close();
        Files.writeString(file, "{\"t\":\"add\",\"action\":{\"seq\":2,\"ty", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        OfflineQueue reopened = OfflineQueue.open(file, new FakeSender(), SMALL);
        assertThat(reopened.pending()).containsExactly(kept);
        assertThat(reopened.cancelBooking("b2").seq()).isEqualTo(2);
        reopened.close();
    }
}
