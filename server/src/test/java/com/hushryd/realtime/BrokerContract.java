package com.hushryd.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.realtime.Broker.Control;
import com.hushryd.realtime.engineio.Frame;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link Broker} backend must do, with two nodes: each backend's test supplies the pair. */
public abstract class BrokerContract {
    protected Broker a;
    protected Broker b;
    protected final Recorder atA = new Recorder();
    protected final Recorder atB = new Recorder();

    /** Two brokers of two nodes that can hear each other, not yet started. */
    protected abstract Broker[] createPair();

    protected static final class Recorder implements Broker.Receiver {
        public final List<String> broadcasts = new CopyOnWriteArrayList<>();
        public final List<Control> controls = new CopyOnWriteArrayList<>();

        @Override
        public void onBroadcast(String room, List<Frame> frames, String except) {
            StringBuilder sb = new StringBuilder(room).append('|').append(except).append('|');
            for (Frame f : frames) {
                sb.append(f.binary() ? "bin:" + f.bytes().length : f.toString()).append(';');
            }
            broadcasts.add(sb.toString());
        }

        @Override
        public void onControl(Control c) {
            controls.add(c);
        }

        /** Numbered broadcasts as {@code offset|room|frames}, in arrival order. */
        public final List<String> numbered = new CopyOnWriteArrayList<>();

        @Override
        public void onNumbered(String room, List<Frame> frames, String except, long offset) {
            StringBuilder sb = new StringBuilder().append(offset).append('|').append(room).append('|');
            for (Frame f : frames) {
                sb.append(f).append(';');
            }
            numbered.add(sb.toString());
        }
    }

    @BeforeEach
    void startBrokers() {
        Broker[] pair = createPair();
        a = pair[0];
        b = pair[1];
        a.start(atA);
        b.start(atB);
    }

    @AfterEach
    void closeBrokers() {
        a.close();
        b.close();
    }

    /**
     * Publishes until the other side holds {@code count} broadcasts: a subscription takes effect asynchronously, and
     * what is published before it is (by contract) not delivered.
     */
    protected void awaitDelivery(Runnable publish, Recorder at, int count) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (at.broadcasts.size() < count) {
                publish.run();
            }
            return at.broadcasts.size() >= count;
        });
    }

    @Test
    void broadcast_reachesTheSubscribedOtherNode_onceAndNotItsPublisher() {
        b.subscribe("trip:1");
        a.subscribe("trip:1");
        awaitDelivery(() -> a.publish("trip:1", List.of(Frame.text("42[\"x\"]")), null), atB, 1);
        a.publish("trip:1", List.of(Frame.text("42[\"y\"]"), Frame.binary(new byte[] {1, 2, 3})), "sock-9");
        await().atMost(Duration.ofSeconds(5)).until(() -> atB.broadcasts.size() >= 2);
        assertThat(atB.broadcasts.get(atB.broadcasts.size() - 1)).isEqualTo("trip:1|sock-9|42[\"y\"];bin:3;");
        // markers prove delivery would have happened: a's later broadcast reaches B after any duplicate of a's
        // earlier ones (one publisher, one room: in order); b's broadcast to the room reaches A after anything a's
        // own publishes could have brought back to it (one room's messages pass one engine channel in order)
        a.publish("trip:1", List.of(Frame.text("42[\"marker-a\"]")), null);
        await().atMost(Duration.ofSeconds(5)).until(() -> atB.broadcasts.stream().anyMatch(s -> s.contains("marker-a")));
        b.publish("trip:1", List.of(Frame.text("42[\"marker-b\"]")), null);
        await().atMost(Duration.ofSeconds(5)).until(() -> !atA.broadcasts.isEmpty());
        assertThat(atB.broadcasts).filteredOn(s -> s.contains("\"x\"")).hasSize(1);
        assertThat(atB.broadcasts).filteredOn(s -> s.contains("\"y\"")).hasSize(1);
        assertThat(atA.broadcasts).as("never back to the publisher").containsExactly("trip:1|null|42[\"marker-b\"];");
    }

    @Test
    void broadcast_toARoomTheOtherNodeLeft_isNotDelivered() {
        b.subscribe("room:a");
        b.subscribe("room:b");
        awaitDelivery(() -> a.publish("room:a", List.of(Frame.text("42[1]")), null), atB, 1);
        b.unsubscribe("room:a");
        awaitDelivery(() -> a.publish("room:b", List.of(Frame.text("42[2]")), null), atB, 2);
        atB.broadcasts.clear();
        a.publish("room:a", List.of(Frame.text("42[3]")), null);
        a.publish("room:b", List.of(Frame.text("42[4]")), null);
        // no order across rooms to put a marker behind: keep looking for a while after the room B still holds
        // received its broadcast
        await().atMost(Duration.ofSeconds(5)).until(() -> !atB.broadcasts.isEmpty());
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(atB.broadcasts).containsExactly("room:b|null|42[4];"));
    }

    @Test
    void broadcasts_ofOnePublisherToOneRoom_arriveInOrder() {
        b.subscribe("order");
        awaitDelivery(() -> a.publish("order", List.of(Frame.text("42[0]")), null), atB, 1);
        atB.broadcasts.clear();
        for (int i = 1; i <= 200; i++) {
            a.publish("order", List.of(Frame.text("42[" + i + "]")), null);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> atB.broadcasts.size() >= 200);
        for (int i = 0; i < 200; i++) {
            assertThat(atB.broadcasts.get(i)).isEqualTo("order|null|42[" + (i + 1) + "];");
        }
    }

    @Test
    void control_reachesEveryOtherNode() {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (atB.controls.isEmpty()) {
                a.publishControl(new Control(Control.Op.JOIN, "user:1", "conversation:9"));
            }
            return !atB.controls.isEmpty();
        });
        assertThat(atB.controls.get(0)).isEqualTo(new Control(Control.Op.JOIN, "user:1", "conversation:9"));
        assertThat(atA.controls).isEmpty();
    }

    @Test
    void stats_countPublishesAndReceipts() {
        b.subscribe("s");
        awaitDelivery(() -> a.publish("s", List.of(Frame.text("42[1]")), null), atB, 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.stats().published() >= 1 && b.stats().received() >= 1);
        assertThat(b.stats().subscriptions()).isEqualTo(1);
        assertThat(a.connected()).isTrue();
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    private static List<Frame> event(String name) {
        return List.of(Frame.text("42[\"" + name + "\"]"));
    }

    /** Subscribes both nodes to {@code room} and waits until each hears the other there. */
    private void bothListening(String room) {
        a.subscribe(room);
        b.subscribe(room);
        awaitDelivery(() -> a.publish(room, event("ready"), null), atB, 1);
        awaitDelivery(() -> b.publish(room, event("ready"), null), atA, 1);
    }

    private static List<String> withoutReady(List<String> broadcasts) {
        return broadcasts.stream().filter(s -> !s.contains("\"ready\"")).toList();
    }

    @Test
    void publishLatest_newerVersionIsStoredAndPublished_olderOrEqualIsRefusedAndNotDelivered() throws Exception {
        String room = "trip:" + java.util.UUID.randomUUID();
        Duration ttl = Duration.ofMinutes(1);
        bothListening(room);
        assertThat(get(a.latest(room))).isEmpty();
        assertThat(get(a.publishLatest(room, 10, "{\"v\":10}", ttl, event("v10")))).isTrue();
        assertThat(get(b.publishLatest(room, 9, "{\"v\":9}", ttl, event("v9")))).as("older").isFalse();
        assertThat(get(a.publishLatest(room, 10, "{\"v\":10.1}", ttl, event("v10-again")))).as("equal").isFalse();
        assertThat(get(b.latest(room))).contains(new Broker.Latest(10, "{\"v\":10}"));
        assertThat(get(a.latest(room))).contains(new Broker.Latest(10, "{\"v\":10}"));
        // markers behind the refused ones: one room's messages pass one engine channel in order, so a refused one
        // that had been published would arrive before them
        assertThat(get(a.publishLatest(room, 11, "{\"v\":11}", ttl, event("v11")))).isTrue();
        assertThat(get(b.publishLatest(room, 12, "{\"v\":12}", ttl, event("v12")))).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> atB.broadcasts.stream().anyMatch(s -> s.contains("v11"))
                && atA.broadcasts.stream().anyMatch(s -> s.contains("v12")));
        assertThat(withoutReady(atB.broadcasts)).as("a's newer ones, once each, in order, not b's own")
                .containsExactly(room + "|null|42[\"v10\"];", room + "|null|42[\"v11\"];");
        assertThat(withoutReady(atA.broadcasts)).as("b's newer one, never a's own")
                .containsExactly(room + "|null|42[\"v12\"];");
        assertThat(get(a.latest(room))).contains(new Broker.Latest(12, "{\"v\":12}"));
    }

    @Test
    void publishLatest_withoutFrames_storesAndPublishesNothing_andTheStateExpiresAfterItsTtl() throws Exception {
        String room = "trip:" + java.util.UUID.randomUUID();
        bothListening(room);
        assertThat(get(a.publishLatest(room, 5, "restored", Duration.ofMinutes(1), null))).isTrue();
        assertThat(get(b.latest(room))).contains(new Broker.Latest(5, "restored"));
        assertThat(get(a.publishLatest(room, 6, "new", Duration.ofMinutes(1), event("six")))).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> atB.broadcasts.stream().anyMatch(s -> s.contains("six")));
        assertThat(withoutReady(atB.broadcasts)).as("the restored state was not published")
                .containsExactly(room + "|null|42[\"six\"];");

        String brief = "trip:" + java.util.UUID.randomUUID();
        assertThat(get(a.publishLatest(brief, 7, "brief", Duration.ofMillis(300), null))).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> get(b.latest(brief)).isEmpty());
        assertThat(get(b.publishLatest(brief, 7, "again", Duration.ofMinutes(1), null)))
                .as("an expired state refuses nothing").isTrue();
        assertThat(get(a.latest(brief))).contains(new Broker.Latest(7, "again"));
    }
}
