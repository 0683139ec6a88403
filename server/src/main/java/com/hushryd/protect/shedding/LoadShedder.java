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
 * loop), requests waiting for a database connection, and the queueing delay (CoDel's signal: the least time sheddable
 * requests waited for a worker thread plus the least time callers waited for a main-pool connection, which a
 * saturated node raises long before the other counts reach their limits). Half of any threshold makes the node
 * {@link Level#BUSY} (background requests are refused); a whole one makes it {@link Level#OVERLOADED} (normal requests
 * too). Critical and auth routes are never refused. Lag, pool waiting and queueing delay count only when they have
 * lasted a whole window ({@link #LAG_WINDOW}, {@link #POOL_WINDOW}, {@link #QUEUE_WINDOW}): on a shared machine a
 * late timer tick, a GC pause or JIT warm-up is not overload. Logs one line when shedding starts (and when it escalates), naming the signals over their thresholds,
 * and one when it stops. Thread-safe and non-blocking.
 */
public final class LoadShedder {
    /** How loaded the node is. */
    public enum Level {
        OK, BUSY, OVERLOADED
    }

    /** The thresholds; see the SHED_* settings. A {@code maxQueueDelay} of zero turns that signal off. */
    public record Limits(int maxInFlight, Duration maxEventLoopLag, int maxPoolWaiting, Duration maxQueueDelay) {
        public Limits(int maxInFlight, Duration maxEventLoopLag, int maxPoolWaiting) {
            this(maxInFlight, maxEventLoopLag, maxPoolWaiting, Duration.ZERO);
        }
    }

    /** How long event-loop lag must last to count: longer than a GC pause or a descheduled thread on a busy machine. */
    static final Duration LAG_WINDOW = Duration.ofSeconds(2);
    /** How long requests must wait for a database connection to count: longer than a burst the pool clears. */
    static final Duration POOL_WINDOW = Duration.ofSeconds(1);
    /**
     * How long every request (and every connection handed out) must have waited at least the target to count (CoDel's
     * interval): long enough that a burst the node clears is not a standing queue, short enough to refuse before the
     * queue holds seconds of work.
     */
    static final Duration QUEUE_WINDOW = Duration.ofMillis(500);
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
    private final SustainedMinimum queueWindow = new SustainedMinimum(QUEUE_WINDOW.toNanos());
    /** The least wait for a worker thread of the sheddable requests started since the last sample; MAX: none. */
    private final AtomicLong leastWorkerWait = new AtomicLong(Long.MAX_VALUE);
    private volatile long lagMillis;
    private volatile int waiting;
    private volatile long queueDelayMillis;
    private Level loggedLevel = Level.OK;
    private long episodeStart;
    private long calmSince = -1;
    private long refusedAtStart;

    public LoadShedder(Limits limits, IntSupplier poolWaiting) {
        this(limits, poolWaiting, () -> Duration.ZERO);
    }

    /**
     * {@code poolQueueDelay} is the main pool's queueing delay since it was last asked, as
     * {@code Database.takeQueueDelay()} measures it; the wait for a worker thread is reported by {@link #started}.
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
        long workerWait = leastWorkerWait.getAndSet(Long.MAX_VALUE);
        // no sheddable request started since the last sample: nothing queued for a worker, or all of them held (then
        // the pool's delay tells)
        queueWindow.record(now, (workerWait == Long.MAX_VALUE ? 0 : workerWait) + poolQueueDelay.get().toNanos());
        lagMillis = lagWindow.value();
        waiting = (int) poolWindow.value();
        queueDelayMillis = TimeUnit.NANOSECONDS.toMillis(queueWindow.value());
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
        long maxDelay = limits.maxQueueDelay().toMillis();
        if (maxDelay > 0) {
            long delay = queueDelayMillis;
            long delayLimit = half ? (maxDelay + 1) / 2 : maxDelay;
            if (all || delay >= delayLimit) {
                parts.add("queueing delay " + delay + " ms" + (all ? " (limit " : " >= ") + delayLimit
                        + (all ? " ms)" : " ms for " + QUEUE_WINDOW.toMillis() + " ms"));
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
        long maxDelay = limits.maxQueueDelay().toMillis();
        long delay = maxDelay > 0 ? queueDelayMillis : -1;
        if (flying >= limits.maxInFlight() || lag >= maxLag || w >= limits.maxPoolWaiting()
                || (delay >= 0 && delay >= maxDelay)) {
            return Level.OVERLOADED;
        }
        if (flying >= (limits.maxInFlight() + 1) / 2 || lag >= maxLag / 2 || w >= (limits.maxPoolWaiting() + 1) / 2
                || (delay >= 0 && delay >= (maxDelay + 1) / 2)) {
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

    /**
     * An admitted request of this class starts on a worker thread after waiting {@code queuedNanos} for one (its
     * ticket's {@code started}); never-shed classes run on workers of their own and do not count.
     */
    public void started(RouteClass routeClass, long queuedNanos) {
        if (routeClass.shed() != RouteClass.Shed.NEVER) {
            leastWorkerWait.accumulateAndGet(queuedNanos, Math::min);
        }
    }

    /** The queueing delay over the last window: the least wait for a worker plus the least wait for a connection. */
    public long queueDelayMillis() {
        return queueDelayMillis;
    }

    public Limits limits() {
        return limits;
    }
}
