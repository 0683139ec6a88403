package com.hushryd.realtime.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hushryd.realtime.engineio.Frame;
import com.hushryd.realtime.socketio.Recovery;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class MemoryRecoveryTest {
    private final MutableClock clock = new MutableClock();
    private final MemoryRecovery recovery = new MemoryRecovery(new InProcessBroker.Hub(), u -> (String) u,
            Duration.ofMinutes(2), 3, clock);

    private static List<Frame> event(int i) {
        return List.of(Frame.text("42[\"e\"," + i + "]"));
    }

    @Test
    void missed_areTheBroadcastsOfTheSessionsRoomsAfterTheOffset_inOffsetOrder_withTheOffsetAsLastArgument() {
        long first = recovery.append("a", event(1), null);
        long second = recovery.append("b", event(2), "s1");
        recovery.append("c", event(3), null);
        long fourth = recovery.append("a", event(4), null);
        List<Recovery.Missed> missed = recovery.missed(List.of("a", "b"), first).toCompletableFuture().join();
        assertThat(missed).extracting(Recovery.Missed::offset).containsExactly(second, fourth);
        assertThat(missed.get(0).exceptSocketId()).isEqualTo("s1");
        assertThat(missed.get(1).frames().get(0).toString()).isEqualTo("42[\"e\",4,\"" + fourth + "\"]");
        assertThat(second).isGreaterThan(first);
    }

    @Test
    void aRoomThatLostEntriesToItsBound_cannotBeRecoveredFromBeforeThem() {
        long first = recovery.append("a", event(1), null);
        for (int i = 2; i <= 5; i++) {
            recovery.append("a", event(i), null);
        }
        assertThatThrownBy(() -> recovery.missed(List.of("a"), first).toCompletableFuture().join())
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(Recovery.Unrecoverable.class);
    }

    @Test
    void claim_onlyByItsOwner_notWithAnOffsetOlderThanTheSession_andOnlyWithinTheWindow() {
        long before = recovery.append("a", event(1), null);
        recovery.open("pid", "alice", "sock", List.of("a"), "inc1", -1);
        assertThat(recovery.claim("pid", "mallory", "x", -1).toCompletableFuture().join()).isNull();
        assertThat(recovery.claim("pid", "alice", "x", before - 1).toCompletableFuture().join()).as("forged offset")
                .isNull();
        recovery.close("pid", "inc1", true);
        clock.advance(Duration.ofSeconds(119));
        Recovery.Claimed c = recovery.claim("pid", "alice", "inc2", -1).toCompletableFuture().join();
        assertThat(c.socketId()).isEqualTo("sock");
        assertThat(c.rooms()).containsExactly("a");
        assertThat(c.minOffset()).isGreaterThanOrEqualTo(before);
        // the first incarnation can no longer end it; the second one's loss keeps it for the window only
        recovery.close("pid", "inc1", false);
        recovery.close("pid", "inc2", true);
        clock.advance(Duration.ofSeconds(121));
        assertThat(recovery.claim("pid", "alice", "inc3", -1).toCompletableFuture().join()).as("window passed")
                .isNull();
    }

    @Test
    void aDeliberateDisconnection_endsTheSession() {
        recovery.open("pid", "alice", "sock", List.of(), "inc1", -1);
        recovery.close("pid", "inc1", false);
        assertThat(recovery.claim("pid", "alice", "inc2", -1).toCompletableFuture().join()).isNull();
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(System.nanoTime() % 1000);

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
