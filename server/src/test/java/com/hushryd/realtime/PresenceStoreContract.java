package com.hushryd.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link PresenceStore} must do; time is a test clock, so expiry needs no waiting. */
public abstract class PresenceStoreContract {
    protected static final Duration TTL = Duration.ofSeconds(30);

    /** A settable clock shared by the stores under test. */
    protected static final class TestClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    protected final TestClock clock = new TestClock();
    protected PresenceStore store;
    protected PresenceStore otherNode;

    /** Two stores of two nodes sharing state (the same store twice for a single-node backend). */
    protected abstract PresenceStore[] create(Clock clock, Duration ttl);

    @BeforeEach
    void open() {
        PresenceStore[] s = create(clock, TTL);
        store = s[0];
        otherNode = s[1];
    }

    @AfterEach
    void close() {
        store.close();
        if (otherNode != store) {
            otherNode.close();
        }
    }

    @Test
    void firstSocket_bringsTheUserOnline_lastOneTakesThemOffline() {
        UUID u = UUID.randomUUID();
        assertThat(store.get(u).online()).isFalse();
        assertThat(store.connected(u, "n1/a")).as("offline -> online").isTrue();
        assertThat(otherNode.connected(u, "n2/b")).as("already online").isFalse();
        assertThat(store.get(u).online()).isTrue();
        assertThat(store.disconnected(u, "n1/a")).as("another socket remains").isFalse();
        assertThat(otherNode.get(u).online()).isTrue();
        clock.advance(Duration.ofSeconds(5));
        assertThat(otherNode.disconnected(u, "n2/b")).as("last socket gone").isTrue();
        assertThat(store.get(u).online()).isFalse();
        assertThat(store.get(u).lastSeen()).isEqualTo(clock.instant());
    }

    @Test
    void disconnectingAnUnknownSocket_reportsNoTransition() {
        UUID u = UUID.randomUUID();
        assertThat(store.disconnected(u, "n1/ghost")).isFalse();
        store.connected(u, "n1/a");
        assertThat(store.disconnected(u, "n1/ghost")).isFalse();
        assertThat(store.get(u).online()).isTrue();
    }

    @Test
    void socketsOfACrashedNode_expireAfterTheTtl_andTheTransitionIsReportedOnce() {
        UUID u = UUID.randomUUID();
        UUID kept = UUID.randomUUID();
        store.connected(u, "crashed/a");
        store.connected(kept, "alive/b");
        clock.advance(TTL.minusSeconds(10));
        otherNode.refresh(Map.of(kept, Set.of("alive/b")));
        assertThat(store.sweep()).isEmpty();
        clock.advance(Duration.ofSeconds(11));
        CompletableFuture<List<UUID>> one = CompletableFuture.supplyAsync(store::sweep);
        CompletableFuture<List<UUID>> two = CompletableFuture.supplyAsync(otherNode::sweep);
        List<UUID> reported = new java.util.ArrayList<>(one.join());
        reported.addAll(two.join());
        assertThat(reported).as("reported by exactly one sweeper").containsExactly(u);
        assertThat(store.get(u).online()).isFalse();
        assertThat(store.get(u).lastSeen()).isNotNull();
        assertThat(store.get(kept).online()).as("refreshed by its node").isTrue();
    }

    @Test
    void reconnectAfterExpiry_isANewOnlineTransition() {
        UUID u = UUID.randomUUID();
        store.connected(u, "n1/a");
        clock.advance(TTL.plusSeconds(1));
        assertThat(store.connected(u, "n1/b")).isTrue();
    }
}
