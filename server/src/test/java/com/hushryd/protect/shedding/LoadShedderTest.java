package com.hushryd.protect.shedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hushryd.http.ApiException;
import com.hushryd.http.RouteClass;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LoadShedderTest {
    private final AtomicInteger poolWaiting = new AtomicInteger();
    private final LoadShedder shedder = new LoadShedder(new LoadShedder.Limits(4, Duration.ofMillis(200), 10),
            poolWaiting::get);

    private static void assertShed(Runnable r) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.code()).isEqualTo("OVERLOADED");
            assertThat(e.headers()).containsKey("Retry-After");
        });
    }

    @Test
    void inFlight_halfTheLimitShedsBackground_theLimitShedsNormal_criticalAndAuthNever() {
        List<Runnable> held = new ArrayList<>();
        held.add(shedder.admit(RouteClass.NORMAL));
        held.add(shedder.admit(RouteClass.BACKGROUND));
        assertThat(shedder.level()).isEqualTo(LoadShedder.Level.BUSY);
        assertShed(() -> shedder.admit(RouteClass.BACKGROUND));
        held.add(shedder.admit(RouteClass.NORMAL));
        held.add(shedder.admit(RouteClass.UPLOAD));
        assertThat(shedder.level()).isEqualTo(LoadShedder.Level.OVERLOADED);
        assertShed(() -> shedder.admit(RouteClass.NORMAL));
        assertShed(() -> shedder.admit(RouteClass.UPLOAD));
        for (int i = 0; i < 100; i++) {
            shedder.admit(RouteClass.CRITICAL);
            shedder.admit(RouteClass.AUTH);
        }
        assertThat(shedder.inFlight()).as("never-shed requests are not counted").isEqualTo(4);
        held.forEach(Runnable::run);
        held.get(0).run(); // releasing twice counts once
        assertThat(shedder.inFlight()).isZero();
        assertThat(shedder.level()).isEqualTo(LoadShedder.Level.OK);
        shedder.admit(RouteClass.BACKGROUND).run();
    }

    @Test
    void eventLoopLagAndPoolWaiters_raiseTheLevel() {
        shedder.observe(150);
        assertThat(shedder.level()).isEqualTo(LoadShedder.Level.BUSY);
        shedder.observe(250);
        assertThat(shedder.level()).isEqualTo(LoadShedder.Level.OVERLOADED);
        assertShed(() -> shedder.admit(RouteClass.NORMAL));
        shedder.observe(0);
        assertThat(shedder.level()).isEqualTo(LoadShedder.Level.OK);
        poolWaiting.set(10);
        for (int i = 0; i < 9; i++) {
            shedder.observe(0);
        }
        assertThat(shedder.level()).as("a moment of waiting is not overload").isEqualTo(LoadShedder.Level.OK);
        shedder.observe(0);
        assertThat(shedder.level()).isEqualTo(LoadShedder.Level.OVERLOADED);
        poolWaiting.set(5);
        shedder.observe(0);
        assertThat(shedder.level()).isEqualTo(LoadShedder.Level.BUSY);
    }
}
