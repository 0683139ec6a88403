package com.hushryd.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RemoteCache} backend must do; each backend's test supplies two instances on one store, as two
 * nodes would have them.
 */
public abstract class RemoteCacheContract {
    private final List<RemoteCache> opened = new CopyOnWriteArrayList<>();

    /** A cache of node {@code nodeId} on the store shared by every instance this test creates. */
    protected abstract RemoteCache create(String nodeId);

    private RemoteCache open(String nodeId, RemoteCache.Listener listener) {
        RemoteCache cache = create(nodeId);
        opened.add(cache);
        cache.start(listener);
        return cache;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(RemoteCache::close);
    }

    private static String ns() {
        return "ns-" + UUID.randomUUID();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Records what a node hears from the others. */
    public static final class Heard implements RemoteCache.Listener {
        public final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void onInvalidate(String namespace, String key) {
            events.add("invalidate " + namespace + " " + key);
        }

        @Override
        public void onFlush(String namespace, long generation) {
            events.add("flush " + namespace + " " + generation);
        }

        @Override
        public void onReconnect() {
            events.add("reconnect");
        }
    }

    @Test
    void aValueIsSharedAndNeverOverwrittenByPutIfAbsent() {
        RemoteCache a = open("a", new Heard());
        RemoteCache b = open("b", new Heard());
        String ns = ns();
        assertThat(a.get(ns, 0, "k")).isNull();
        a.putIfAbsent(ns, 0, "k", bytes("first"), Duration.ofMinutes(1));
        b.putIfAbsent(ns, 0, "k", bytes("second"), Duration.ofMinutes(1));
        assertThat(b.get(ns, 0, "k")).isEqualTo(bytes("first"));
        assertThat(a.get(ns, 1, "k")).as("another generation is another key space").isNull();
    }

    @Test
    void anInvalidatedKeyReadsAbsentAndCannotBeRefilledDuringItsTombstone_andTheOtherNodesHearOfIt() {
        Heard heardByB = new Heard();
        Heard heardByA = new Heard();
        RemoteCache a = open("a", heardByA);
        open("b", heardByB);
        String ns = ns();
        a.putIfAbsent(ns, 0, "k", bytes("old"), Duration.ofMinutes(1));
        a.invalidate(ns, 0, "k", Duration.ofMinutes(1));
        assertThat(a.get(ns, 0, "k")).isNull();
        a.putIfAbsent(ns, 0, "k", bytes("stale, loaded before the write"), Duration.ofMinutes(1));
        assertThat(a.get(ns, 0, "k")).as("a tombstone keeps a stale loader out").isNull();
        await().atMost(Duration.ofSeconds(10)).until(() -> heardByB.events.contains("invalidate " + ns + " k"));
        assertThat(heardByA.events).as("never to the node that called it").noneMatch(e -> e.contains(ns));
    }

    @Test
    void aTombstoneEnds() {
        RemoteCache a = open("a", new Heard());
        String ns = ns();
        a.invalidate(ns, 0, "k", Duration.ofMillis(300));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            a.putIfAbsent(ns, 0, "k", bytes("fresh"), Duration.ofMinutes(1));
            return a.get(ns, 0, "k") != null;
        });
        assertThat(a.get(ns, 0, "k")).isEqualTo(bytes("fresh"));
    }

    @Test
    void aFlushBumpsTheGenerationForEveryNode_andIsAnnounced() {
        Heard heardByB = new Heard();
        RemoteCache a = open("a", new Heard());
        RemoteCache b = open("b", heardByB);
        String ns = ns();
        String other = ns();
        assertThat(b.generations(List.of(ns, other))).isEqualTo(Map.of(ns, 0L, other, 0L));
        long g1 = a.flush(ns);
        long g2 = a.flush(ns);
        assertThat(g2).isGreaterThan(g1).isPositive();
        assertThat(b.generations(List.of(ns, other))).isEqualTo(Map.of(ns, g2, other, 0L));
        await().atMost(Duration.ofSeconds(10)).until(() -> heardByB.events.contains("flush " + ns + " " + g2));
    }

    @Test
    void answersAPingWhileConnected() {
        RemoteCache a = open("a", new Heard());
        a.ping();
        await().atMost(Duration.ofSeconds(10)).until(a::connected);
    }
}
