package com.hushryd.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLTransientConnectionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UrgentGateTest {
    private static long in(long millis) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void withoutAnUrgentTransaction_everyCallerPasses() throws Exception {
        UrgentGate gate = new UrgentGate(1);
        for (int i = 0; i < 5; i++) {
            gate.enter(in(10), "main");
        }
        assertThat(gate.holding()).isEqualTo(5);
        for (int i = 0; i < 5; i++) {
            gate.exit();
        }
        assertThat(gate.holding()).isZero();
    }

    @Test
    void whileOneRuns_callersBeyondTheLimitWait_untilHoldersLeave() throws Exception {
        UrgentGate gate = new UrgentGate(1);
        gate.enter(in(10), "main");
        gate.enter(in(10), "main");
        gate.urgentStarted();
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
            try {
                gate.enter(in(10_000), "main");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertThat(waiting).as("two held, limit one: waits").isNotDone();
        gate.exit();
        Thread.sleep(100);
        assertThat(waiting).as("one held, limit one: still waits").isNotDone();
        gate.exit();
        waiting.get(5, TimeUnit.SECONDS);
        assertThat(gate.holding()).isOne();
    }

    @Test
    void whenTheUrgentTransactionEnds_waitersPass() throws Exception {
        UrgentGate gate = new UrgentGate(1);
        gate.enter(in(10), "main");
        gate.urgentStarted();
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
            try {
                gate.enter(in(10_000), "main");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertThat(waiting).isNotDone();
        gate.urgentEnded();
        waiting.get(5, TimeUnit.SECONDS);
        assertThat(gate.holding()).isEqualTo(2);
    }

    @Test
    void aWaitPastTheDeadline_failsAsABusyPool() throws Exception {
        UrgentGate gate = new UrgentGate(1);
        gate.enter(in(10), "main");
        gate.urgentStarted();
        assertThatThrownBy(() -> gate.enter(in(50), "main")).isInstanceOf(SQLTransientConnectionException.class)
                .hasMessageContaining("main - connection is not available");
        assertThat(gate.holding()).as("the refused caller holds nothing").isOne();
    }
}
