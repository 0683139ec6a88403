package com.hushryd.realtime.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ReorderTest {
    private static RedisBroker.NumberedMessage m(long offset) {
        return new RedisBroker.NumberedMessage("room", offset, List.of(), null);
    }

    @Test
    void offsetsArrivingOutOfOrderWithinTheHold_leaveInOffsetOrder() {
        List<Long> out = new CopyOnWriteArrayList<>();
        try (Reorder r = new Reorder(n -> out.add(n.offset()))) {
            // as from three shards: a higher offset first, then lower ones a moment later
            r.add(m(30));
            r.add(m(10));
            r.add(m(20));
            await().atMost(Duration.ofSeconds(5)).until(() -> out.size() == 3);
        }
        assertThat(out).containsExactly(10L, 20L, 30L);
    }

    @Test
    void aLowerOffsetArrivingAfterAHigherOneLeft_isStillPassedOn_forTheSocketToJudge() {
        List<Long> out = new CopyOnWriteArrayList<>();
        try (Reorder r = new Reorder(n -> out.add(n.offset()))) {
            r.add(m(50));
            await().atMost(Duration.ofSeconds(5)).until(() -> out.size() == 1);
            r.add(m(40));
            await().atMost(Duration.ofSeconds(5)).until(() -> out.size() == 2);
        }
        assertThat(out).containsExactly(50L, 40L);
    }
}
