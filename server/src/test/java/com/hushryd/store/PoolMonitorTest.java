package com.hushryd.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PoolMonitorTest {
    @Test
    void levels_followTheThresholds() {
        assertThat(new PoolStats(15, 5, 0, 20, 20).level()).isEqualTo(PoolStats.Level.OK);
        assertThat(new PoolStats(16, 4, 0, 20, 20).level()).isEqualTo(PoolStats.Level.WARNING);
        assertThat(new PoolStats(19, 1, 0, 20, 20).level()).isEqualTo(PoolStats.Level.CRITICAL);
        assertThat(new PoolStats(2, 0, 1, 2, 20).level()).isEqualTo(PoolStats.Level.CRITICAL);
        assertThat(new PoolStats(16, 4, 0, 20, 20).usagePercent()).isEqualTo(80.0);
    }

    @Test
    void monitor_reportsTheCurrentLevel() {
        AtomicReference<PoolStats> s = new AtomicReference<>(new PoolStats(1, 1, 0, 2, 10));
        PoolMonitor m = new PoolMonitor(s::get, 3);
        assertThat(m.check()).isEqualTo(PoolStats.Level.OK);
        s.set(new PoolStats(9, 1, 0, 10, 10));
        assertThat(m.check()).isEqualTo(PoolStats.Level.WARNING);
        s.set(new PoolStats(10, 0, 4, 10, 10));
        assertThat(m.check()).isEqualTo(PoolStats.Level.CRITICAL);
    }
}
