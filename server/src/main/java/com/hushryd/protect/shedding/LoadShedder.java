package com.hushryd.protect.shedding;

import com.hushryd.common.ApiException;
import com.hushryd.common.RouteClass;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses work the node cannot take now, lowest priority first. The load level comes from four measured signals:
 * requests in flight (of the classes that can be shed), event-loop lag (how late a timer fires on the busiest event
 * loop), requests waiting for a database connection, and the main pool's queueing delay (the least time the
 * connections handed out waited for one: CoDel's signal, which a saturated database raises long before the count of
 * waiters reaches its limit). Half of any threshold makes the node {@link Level#BUSY} (background requests are
 * refused); a whole one makes it {@link Level#OVERLOADED} (normal requests too). Critical and auth routes are never
 * refused. Lag, pool waiting and pool wait count only when they have lasted a whole window ({@link #LAG_WINDOW},
 * {@link #POOL_WINDOW}, {@link #POOL_WAIT_WINDOW}): on a shared machine a late timer tick, a GC pause or JIT warm-up
 * is not overload. Logs one line when shedding starts (and when it escalates), naming the signals over their thresholds,
 * and one when it stops. Thread-safe and non-blocking.
 */
public final class LoadShedder {
    /** How loaded the node is. */
    public enum Level {
        OK, BUSY, OVERLOADED
    }

    /** The thresholds; see the SHED_* settings. A {@code maxPoolWait} of zero turns that signal off. */
    public record Limits(int maxInFlight, Duration maxEventLoopLag, int maxPoolWaiting, Duration maxPoolWait) {
        public Limits(int maxInFlight, Duration maxEventLoopLag, int maxPoolWaiting) {
            this(maxInFlight, maxEventLoopLag, maxPoolWaiting, Duration.ZERO);
        }
    }

    /** How long event-loop lag must last to count: longer than a GC pause or a descheduled thread on a busy machine. */
    static final Duration LAG_WINDOW = Duration.ofSeconds(2);
    /** How long requests must wait for a database connection to count: longer than a burst the pool clears. */
    static final Duration POOL_WINDOW = Duration.ofSeconds(1);
    /**
     * How long every connection handed out must have waited at least the target to count (CoDel's interval): long
     * enough that a burst the pool clears is not a standing queue, short enough to refuse before the queue fills the
     * HTTP workers.
     */
    static final Duration POOL_WAIT_WINDOW = Duration.ofMillis(500);
    /** How long the node must be calm before the "stopped" line: one episode of flapping logs one start and one stop. */
    static final Duration CALM_BEFORE_STOP_LOG = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(LoadShedder.class);

    private final Limits limits;
    private final IntSupplier poolWaiting;
    private final Supplier<Duration> poolQueueDelay;
    private final LongSupplier nanoClock;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final SustainedMinimum lagWindow = new SustainedMinimum(LAG_WINDOW.toNanos());
    private final SustainedMinimum poolWindow = new SustainedMinimum(POOL_WINDOW.toNanos());
    private final SustainedMinimum poolWaitWindow = new SustainedMinimum(POOL_WAIT_WINDOW.toNanos());
    private volatile long lagMillis;
    private volatile int waiting;
    private volatile long poolWaitMillis;
    private Level loggedLevel = Level.OK;
    private long episodeStart;
    private long calmSince = -1;
    private long refusedAtStart;

    public LoadShedder(Limits limits, IntSupplier poolWaiting) {
        this(limits, poolWaiting, () -> Duration.ZERO);
    }

    /**
     * {@code poolQueueDelay} is the main pool's queueing delay since it was last asked, as
     * {@code Database.takeQueueDelay()} measures it.
     */
    public LoadShedder(Limits limits, IntSupplier poolWaiting, Supplier<Duration> poolQueueDelay) {
        this(limits, poolWaiting, poolQueueDelay, System::nanoTime);
    }

    LoadShedder(Limits limits, IntSupplier poolWaiting, LongSupplier nanoClock) {
        this(limits, poolWaiting, () -> Duration.ZERO, nanoClock);
    }

    LoadShedder(Limits limits, IntSupplier poolWaiting, Supplier<Duration> poolQueueDelay, LongSupplier nanoClock) {
        this.limits = limits;
        this.poolWaiting = poolWaiting;
        this.poolQueueDelay = poolQueueDelay;
        this.nanoClock = nanoClock;
    }

    /**
     * Records the latest measured event-loop lag and samples the pool (called by the periodic probe, every 100 ms per
     * event loop); each signal is the least it has been over its window, then logs a change of shedding state.
     */
    public synchronized void observe(long eventLoopLagMillis) {
        long now = nanoClock.getAsLong();
        lagWindow.record(now, eventLoopLagMillis);
        poolWindow.record(now, poolWaiting.getAsInt());
        poolWaitWindow.record(now, poolQueueDelay.get().toNanos());
        lagMillis = lagWindow.value();
        waiting = (int) poolWindow.value();
        poolWaitMillis = TimeUnit.NANOSECONDS.toMillis(poolWaitWindow.value());
        logChange(now, level());
    }

    private void logChange(long now, Level level) {
        if (level.compareTo(loggedLevel) > 0) {
            if (loggedLevel == Level.OK) {
                episodeStart = now;
                refusedAtStart = refused.get();
            }
            LOG.warn("load shedding {}: level {} ({} requests refused): {}",
                    loggedLevel == Level.OK ? "started" : "escalated", name(level),
                    level == Level.BUSY ? "background" : "background and normal", signals(level));
            loggedLevel = level;
            calmSince = -1;
        } else if (level != Level.OK || loggedLevel == Level.OK) {
            calmSince = -1;
        } else if (calmSince < 0) {
            calmSince = now;
        } else if (now - calmSince >= CALM_BEFORE_STOP_LOG.toNanos()) {
            LOG.info("load shedding stopped after {} s: {} requests refused; now {}",
                    TimeUnit.NANOSECONDS.toSeconds(calmSince - episodeStart), refused.get() - refusedAtStart,
                    signals(Level.OK));
            loggedLevel = Level.OK;
            calmSince = -1;
        }
    }

    /** The signals at or over the threshold of this level, or all of them with their thresholds for {@code OK}. */
    private String signals(Level level) {
        int flying = inFlight.get();
        long lag = lagMillis;
        int w = waiting;
        long maxLag = limits.maxEventLoopLag().toMillis();
        boolean all = level == Level.OK;
        boolean half = level == Level.BUSY;
        long inFlightLimit = half ? (limits.maxInFlight() + 1) / 2 : limits.maxInFlight();
        long lagLimit = half ? maxLag / 2 : maxLag;
        long poolLimit = half ? (limits.maxPoolWaiting() + 1) / 2 : limits.maxPoolWaiting();
        List<String> parts = new ArrayList<>();
        if (all || flying >= inFlightLimit) {
            parts.add("in-flight " + flying + (all ? " (limit " : " >= ") + inFlightLimit + (all ? ")" : ""));
        }
        if (all || lag >= lagLimit) {
            parts.add("event-loop lag " + lag + " ms" + (all ? " (limit " : " >= ") + lagLimit
                    + (all ? " ms)" : " ms for " + LAG_WINDOW.toSeconds() + " s"));
        }
        if (all || w >= poolLimit) {
            parts.add("pool waiting " + w + (all ? " (limit " : " >= ") + poolLimit
                    + (all ? ")" : " for " + POOL_WINDOW.toSeconds() + " s"));
        }
        long maxWait = limits.maxPoolWait().toMillis();
        if (maxWait > 0) {
            long pw = poolWaitMillis;
            long waitLimit = half ? (maxWait + 1) / 2 : maxWait;
            if (all || pw >= waitLimit) {
                parts.add("pool wait " + pw + " ms" + (all ? " (limit " : " >= ") + waitLimit
                        + (all ? " ms)" : " ms for " + POOL_WAIT_WINDOW.toMillis() + " ms"));
            }
        }
        return String.join(", ", parts);
    }

    private static String name(Level level) {
        return level.name().toLowerCase(Locale.ROOT);
    }

    public Level level() {
        return level(inFlight.get());
    }

    private Level level(int flying) {
        long lag = lagMillis;
        long maxLag = limits.maxEventLoopLag().toMillis();
        int w = waiting;
        long maxWait = limits.maxPoolWait().toMillis();
        long pw = maxWait > 0 ? poolWaitMillis : -1;
        if (flying >= limits.maxInFlight() || lag >= maxLag || w >= limits.maxPoolWaiting()
                || (pw >= 0 && pw >= maxWait)) {
            return Level.OVERLOADED;
        }
        if (flying >= (limits.maxInFlight() + 1) / 2 || lag >= maxLag / 2 || w >= (limits.maxPoolWaiting() + 1) / 2
                || (pw >= 0 && pw >= (maxWait + 1) / 2)) {
            return Level.BUSY;
        }
        return Level.OK;
    }

    /**
     * Admits a request of this class or throws a 503 {@code OVERLOADED} with {@code Retry-After}. An admitted request
     * of a sheddable class counts as in flight until {@code release} runs the returned runnable.
     */
    public Runnable admit(RouteClass routeClass) {
        if (routeClass.shed() == RouteClass.Shed.NEVER) {
            return () -> { };
        }
        int flying = inFlight.incrementAndGet();
        Level level = level(flying - 1);
        boolean refuse = routeClass.shed() == RouteClass.Shed.BUSY ? level != Level.OK : level == Level.OVERLOADED;
        if (refuse) {
            inFlight.decrementAndGet();
            refused.incrementAndGet();
            throw new ApiException(503, "OVERLOADED", "the server is overloaded; retry shortly",
                    Map.of("retryAfterSeconds", 2, "level", name(level),
                            "routeClass", routeClass.name().toLowerCase(Locale.ROOT)),
                    Map.of("Retry-After", "2"));
        }
        AtomicInteger once = new AtomicInteger();
        return () -> {
            if (once.getAndIncrement() == 0) {
                inFlight.decrementAndGet();
            }
        };
    }

    public int inFlight() {
        return inFlight.get();
    }

    public long eventLoopLagMillis() {
        return lagMillis;
    }

    public int poolWaiting() {
        return waiting;
    }

    /** The main pool's queueing delay: the least wait of the connections handed out over the last window. */
    public long poolWaitMillis() {
        return poolWaitMillis;
    }

    public Limits limits() {
        return limits;
    }
}
