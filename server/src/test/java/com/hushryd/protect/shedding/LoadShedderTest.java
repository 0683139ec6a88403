package com.hushryd.protect.shedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.hushryd.common.ApiException;
import com.hushryd.common.RouteClass;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LoadShedderTest {
    private static final long TICK_NANOS = Duration.ofMillis(100).toNanos();

    private final AtomicInteger poolWaiting = new AtomicInteger();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final LoadShedder shedder = new LoadShedder(new LoadShedder.Limits(4, Duration.ofMillis(200), 10),
            poolWaiting::get, clock::get);

    /** The probe's 100 ms tick, reporting this lag, for this long. */
    private void observeFor(Duration duration, long lagMillis) {
        for (long t = 0; t < duration.toNanos(); t += TICK_NANOS) {
            clock.addAndGet(TICK_NANOS);
            shedder.observe(lagMillis);
        }
    }

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
    void eventLoopLag_raisesTheLevelOnlyWhenItLastsTheWholeWindow() {
        observeFor(Duration.ofSeconds(1), 0);
        observeFor(Duration.ofMillis(1900), 300);
        assertThat(shedder.level()).as("lag shorter than the window is not overload").isEqualTo(LoadShedder.Level.OK);
        observeFor(Duration.ofMillis(200), 300);
        assertThat(shedder.level()).isEqualTo(LoadShedder.Level.OVERLOADED);
        assertThat(shedder.eventLoopLagMillis()).isEqualTo(300);
        assertShed(() -> shedder.admit(RouteClass.NORMAL));
        observeFor(Duration.ofSeconds(3), 150);
        assertThat(shedder.level()).isEqualTo(LoadShedder.Level.BUSY);
        shedder.admit(RouteClass.NORMAL).run();
        assertShed(() -> shedder.admit(RouteClass.BACKGROUND));
        observeFor(Duration.ofMillis(100), 0);
        assertThat(shedder.level()).as("lag gone: the node recovers at once").isEqualTo(LoadShedder.Level.OK);
    }

    @Test
    void lateTicksGcPausesAndWarmUp_areNotOverload() {
        assertThat(shedder.level()).isEqualTo(LoadShedder.Level.OK);
        observeFor(Duration.ofSeconds(1), 5000);
        assertThat(shedder.level()).as("a node younger than the window").isEqualTo(LoadShedder.Level.OK);
        for (int i = 0; i < 50; i++) {
            observeFor(Duration.ofMillis(900), 20);
            observeFor(Duration.ofMillis(100), 1000); // one late tick (a GC pause) every second
        }
        assertThat(shedder.level()).isEqualTo(LoadShedder.Level.OK);
        shedder.admit(RouteClass.BACKGROUND).run();
    }

    @Test
    void poolWaiting_raisesTheLevelOnlyWhenItLastsASecond() {
        observeFor(Duration.ofSeconds(1), 0);
        poolWaiting.set(10);
        observeFor(Duration.ofMillis(900), 0);
        assertThat(shedder.level()).as("a moment of waiting is not overload").isEqualTo(LoadShedder.Level.OK);
        observeFor(Duration.ofMillis(200), 0);
        assertThat(shedder.level()).isEqualTo(LoadShedder.Level.OVERLOADED);
        assertThat(shedder.poolWaiting()).isEqualTo(10);
        poolWaiting.set(5);
        observeFor(Duration.ofMillis(100), 0);
        assertThat(shedder.level()).isEqualTo(LoadShedder.Level.BUSY);
    }

    @Test
    void poolWait_standingForHalfASecond_shedsNormal_halfOfItBackground_aQueueThatMovesFreelyDoesNot() {
        AtomicLong queueDelayMillis = new AtomicLong();
        LoadShedder codel = new LoadShedder(new LoadShedder.Limits(1000, Duration.ofSeconds(10), 1000,
                Duration.ofMillis(20)), poolWaiting::get, () -> Duration.ofMillis(queueDelayMillis.get()), clock::get);
        Runnable tick = () -> {
            clock.addAndGet(TICK_NANOS);
            codel.observe(0);
        };
        for (int i = 0; i < 10; i++) {
            tick.run();
        }
        // every connection handed out waited 30 ms or more, but only for 400 ms: a burst, not a standing queue
        queueDelayMillis.set(30);
        for (int i = 0; i < 4; i++) {
            tick.run();
        }
        assertThat(codel.level()).isEqualTo(LoadShedder.Level.OK);
        tick.run();
        tick.run();
        assertThat(codel.level()).isEqualTo(LoadShedder.Level.OVERLOADED);
        assertThat(codel.queueDelayMillis()).isEqualTo(30);
        assertShed(() -> codel.admit(RouteClass.NORMAL));
        assertShed(() -> codel.admit(RouteClass.UPLOAD));
        codel.admit(RouteClass.CRITICAL);
        codel.admit(RouteClass.AUTH);
        // one connection that came at once ends the standing queue
        queueDelayMillis.set(0);
        tick.run();
        assertThat(codel.level()).isEqualTo(LoadShedder.Level.OK);
        codel.admit(RouteClass.NORMAL).run();
        // half the target for the whole window: background requests go first
        queueDelayMillis.set(12);
        for (int i = 0; i < 6; i++) {
            tick.run();
        }
        assertThat(codel.level()).isEqualTo(LoadShedder.Level.BUSY);
        assertShed(() -> codel.admit(RouteClass.BACKGROUND));
        codel.admit(RouteClass.NORMAL).run();
    }

    @Test
    void workerWait_ofSheddableRequestsStandingForHalfASecond_sheds_neverShedClassesDoNotCount() {
        LoadShedder codel = new LoadShedder(new LoadShedder.Limits(1000, Duration.ofSeconds(10), 1000,
                Duration.ofMillis(20)), poolWaiting::get, () -> Duration.ZERO, clock::get);
        for (int i = 0; i < 10; i++) {
            clock.addAndGet(TICK_NANOS);
            codel.started(RouteClass.CRITICAL, Duration.ofSeconds(1).toNanos());
            codel.started(RouteClass.AUTH, Duration.ofSeconds(1).toNanos());
            codel.observe(0);
        }
        assertThat(codel.level()).as("critical and auth requests have workers of their own").isEqualTo(
                LoadShedder.Level.OK);
        for (int i = 0; i < 6; i++) {
            clock.addAndGet(TICK_NANOS);
            codel.started(RouteClass.NORMAL, Duration.ofMillis(40).toNanos());
            codel.started(RouteClass.NORMAL, Duration.ofMillis(25).toNanos());
            codel.observe(0);
        }
        assertThat(codel.level()).isEqualTo(LoadShedder.Level.OVERLOADED);
        assertThat(codel.queueDelayMillis()).isEqualTo(25);
        assertShed(() -> codel.admit(RouteClass.NORMAL));
        clock.addAndGet(TICK_NANOS);
        codel.started(RouteClass.NORMAL, Duration.ofMillis(1).toNanos());
        codel.observe(0);
        assertThat(codel.level()).as("one request served at once: the queue moves").isEqualTo(LoadShedder.Level.OK);
    }

    @Test
    void poolWait_zeroTurnsTheSignalOff() {
        LoadShedder off = new LoadShedder(new LoadShedder.Limits(1000, Duration.ofSeconds(10), 1000, Duration.ZERO),
                poolWaiting::get, () -> Duration.ofSeconds(5), clock::get);
        for (int i = 0; i < 20; i++) {
            clock.addAndGet(TICK_NANOS);
            off.observe(0);
        }
        assertThat(off.level()).isEqualTo(LoadShedder.Level.OK);
        off.admit(RouteClass.BACKGROUND).run();
    }

    @Test
    void shedding_logsOneLineWhenItStartsAndOneWhenItStops_namingTheSignal() {
        Logger logger = (Logger) LoggerFactory.getLogger(LoadShedder.class);
        Level before = logger.getLevel();
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        logger.setLevel(Level.INFO);
        try {
            observeFor(Duration.ofSeconds(3), 0);
            for (int i = 0; i < 5; i++) { // flapping within one episode
                observeFor(Duration.ofMillis(2100), 400);
                assertShed(() -> shedder.admit(RouteClass.NORMAL));
                observeFor(Duration.ofSeconds(1), 0);
            }
            assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).singleElement().asString()
                    .startsWith("load shedding started: level overloaded")
                    .contains("event-loop lag 400 ms >= 200 ms for 2 s").doesNotContain("in-flight");
            observeFor(Duration.ofSeconds(6), 0);
            assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).hasSize(2).last().asString()
                    .startsWith("load shedding stopped after ").contains("5 requests refused")
                    .contains("event-loop lag 0 ms (limit 200 ms)");
            observeFor(Duration.ofSeconds(30), 0);
            assertThat(lines.list).hasSize(2);
        } finally {
            logger.detachAppender(lines);
            logger.setLevel(before);
        }
    }
}
