package com.hushryd.protect.shedding;

import com.hushryd.http.ApiException;
import com.hushryd.http.RouteClass;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Refuses work the node cannot take now, lowest priority first. The load level comes from three measured signals:
 * requests in flight (of the classes that can be shed), event-loop lag (how late a timer fires on the busiest event
 * loop) and requests waiting for a database connection. Half of any threshold makes the node {@link Level#BUSY}
 * (background requests are refused); a whole one makes it {@link Level#OVERLOADED} (normal requests too). Critical
 * and auth routes are never refused. Thread-safe and non-blocking.
 */
public final class LoadShedder {
    /** How loaded the node is. */
    public enum Level {
        OK, BUSY, OVERLOADED
    }

    /** The thresholds; see the SHED_* settings. */
    public record Limits(int maxInFlight, Duration maxEventLoopLag, int maxPoolWaiting) {
    }

    private final Limits limits;
    private final IntSupplier poolWaiting;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile long lagMillis;
    private volatile int waiting;
    private final int[] waitingSamples = new int[10];

    public LoadShedder(Limits limits, IntSupplier poolWaiting) {
        this.limits = limits;
        this.poolWaiting = poolWaiting;
    }

    /**
     * Records the latest measured event-loop lag and samples the pool (called by the periodic probe, every 100 ms);
     * the pool signal is the smallest of the last ten samples: only waiting that lasts a second counts, not the
     * queue of a burst that the pool clears in a moment.
     */
    public synchronized void observe(long eventLoopLagMillis) {
        lagMillis = eventLoopLagMillis;
        System.arraycopy(waitingSamples, 0, waitingSamples, 1, waitingSamples.length - 1);
        waitingSamples[0] = poolWaiting.getAsInt();
        int least = Integer.MAX_VALUE;
        for (int w : waitingSamples) {
            least = Math.min(least, w);
        }
        waiting = least;
    }

    public Level level() {
        return level(inFlight.get());
    }

    private Level level(int flying) {
        long lag = lagMillis;
        long maxLag = limits.maxEventLoopLag().toMillis();
        int w = waiting;
        if (flying >= limits.maxInFlight() || lag >= maxLag || w >= limits.maxPoolWaiting()) {
            return Level.OVERLOADED;
        }
        if (flying >= (limits.maxInFlight() + 1) / 2 || lag >= maxLag / 2 || w >= (limits.maxPoolWaiting() + 1) / 2) {
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
            throw new ApiException(503, "OVERLOADED", "the server is overloaded; retry shortly",
                    Map.of("retryAfterSeconds", 2, "level", level.name().toLowerCase(java.util.Locale.ROOT),
                            "routeClass", routeClass.name().toLowerCase(java.util.Locale.ROOT)),
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

    public Limits limits() {
        return limits;
    }
}
