package com.hushryd.safety;

import com.hushryd.location.Location;
import com.hushryd.safety.TripEvaluator.WatchState;
import com.hushryd.store.Database;
import com.hushryd.trips.Trip;
import com.hushryd.trips.TripStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trip safety monitor of one node. Every active trip has a watch row in PostgreSQL; exactly one node at a time
 * holds it (a lease renewed every third of {@code SAFETY_LEASE}, with the evaluator's state saved each time), and only
 * that node evaluates the trip. A node that dies stops renewing; once its leases run out the other nodes take its
 * trips over, state included. Each node takes its fair share of the open watches (their count over the live nodes)
 * and gives up any surplus, so watches spread as nodes join.
 *
 * <p>The location hot path ({@link #onLocation}) costs a map lookup, and for a trip this node holds, a few
 * multiplications; anything a location reveals is written on the monitor's own thread. Locations that arrive at
 * other nodes are read from the shared latest-location store once per tick for trips not heard from on this node
 * since the last one. Time-based kinds (silence) are evaluated every tick; an early end when the holder sees its trip
 * completed, in the transaction that closes the watch.
 */
public final class SafetyMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SafetyMonitor.class);
    /** How often the watches of active trips nobody created (a node died right after a start) are looked for. */
    static final Duration RECONCILE_EVERY = Duration.ofSeconds(30);
    /** A node whose heartbeat is older than this does not count in the fair share. */
    static final Duration ALIVE = Duration.ofSeconds(30);

    private final Database db;
    private final SafetyChecks checks;
    private final Function<UUID, CompletionStage<Optional<Location>>> latest;
    private final RouteCorridor.Source corridors;
    private final SafetySettings settings;
    private final String nodeId;
    private final Clock clock;
    private final Map<UUID, TripEvaluator> held = new ConcurrentHashMap<>();
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService executor;
    private final AtomicLong detections = new AtomicLong();
    private long lastRound;
    private long lastReconcile;

    /** A detection waiting to be written (retried while the database cannot take it). */
    private record Pending(UUID tripId, Detection detection) {
    }

    public SafetyMonitor(Database db, SafetyChecks checks, Function<UUID, CompletionStage<Optional<Location>>> latest,
            RouteCorridor.Source corridors, SafetySettings settings, String nodeId, Clock clock) {
        this.db = db;
        this.checks = checks;
        this.latest = latest;
        this.corridors = corridors;
        this.settings = settings;
        this.nodeId = nodeId;
        this.clock = clock;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "safety-monitor");
            t.setDaemon(true);
            return t;
        });
    }

    public SafetyMonitor start() {
        long every = settings.tick().toMillis();
        executor.scheduleWithFixedDelay(this::tickQuietly, 0, every, TimeUnit.MILLISECONDS);
        return this;
    }

    /** The location hot path: feeds the trip's evaluator when this node holds it. Never blocks. */
    public void onLocation(Location l) {
        TripEvaluator e = held.get(l.tripId());
        if (e == null) {
            return;
        }
        List<Detection> found = e.observe(l.lat(), l.lng(), l.speed(), l.timestamp().toEpochMilli(), clock.millis());
        if (!found.isEmpty()) {
            found.forEach(d -> pending.add(new Pending(l.tripId(), d)));
            executor.execute(this::writePending);
        }
    }

    /** A trip started on this node: its watch exists at once (others are found by the reconciliation). */
    public void onTransition(Trip t) {
        if (t.status() != TripStatus.ACTIVE) {
            return;
        }
        executor.execute(() -> {
            try {
                db.tx(c -> {
                    WatchStore.create(c, t.id(), clock.instant());
                    return null;
                });
            } catch (Exception e) {
                log.debug("safety: watch of trip {} not created now ({}); the reconciliation will", t.id(), e.toString());
            }
        });
    }

    /** Holds a trip without a lease (benchmarks of the hot path). */
    void hold(TripEvaluator e) {
        held.put(e.tripId(), e);
    }

    /** How many trips this node evaluates. */
    public int held() {
        return held.size();
    }

    public long detections() {
        return detections.get();
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (Exception e) {
            log.warn("safety monitor: {}", e.toString());
        }
    }

    void tick() throws Exception {
        long now = clock.millis();
        if (now - lastRound >= settings.lease().toMillis() / 3) {
            lastRound = now;
            round(now);
        }
        long quietFor = settings.tick().toMillis();
        for (TripEvaluator e : held.values()) {
            if (now - e.lastSeenAt() >= quietFor) {
                // not heard from on this node lately: its driver may be sending to another node
                latest.apply(e.tripId()).thenAccept(found -> found.ifPresent(this::onLocation));
            }
            e.tick(now).forEach(d -> pending.add(new Pending(e.tripId(), d)));
        }
        writePending();
    }

    /** Leases: create missing watches, renew ours (saving state), hand back a surplus, close ended trips, claim. */
    private void round(long nowMillis) throws Exception {
        Instant now = clock.instant();
        if (nowMillis - lastReconcile >= RECONCILE_EVERY.toMillis()) {
            lastReconcile = nowMillis;
            db.tx(c -> WatchStore.reconcile(c, now));
        }
        Map<UUID, WatchState> states = new java.util.HashMap<>();
        held.values().forEach(e -> states.put(e.tripId(), e.state()));
        java.util.Set<UUID> kept = new java.util.HashSet<>();
        int share = db.tx(c -> {
            kept.addAll(WatchStore.renew(c, states, nodeId, now, settings.lease()));
            return WatchStore.share(c, now, ALIVE);
        });
        states.keySet().stream().filter(id -> !kept.contains(id)).forEach(held::remove);
        for (WatchStore.Ended ended : db.read(c -> WatchStore.ended(c, nodeId))) {
            close(ended);
        }
        int surplus = held.size() - (share + 1);
        if (surplus > 0) {
            List<TripEvaluator> giveUp = held.values().stream().limit(surplus).toList();
            db.tx(c -> {
                for (TripEvaluator e : giveUp) {
                    WatchStore.release(c, e.tripId(), nodeId, e.state(), now);
                }
                return null;
            });
            giveUp.forEach(e -> held.remove(e.tripId()));
        }
        int room = Math.max(0, share - held.size());
        if (room > 0) {
            for (WatchStore.Claimed w : db.tx(c -> WatchStore.claim(c, nodeId, room, now, settings.lease()))) {
                WatchState state = WatchStore.state(w.state(), nowMillis);
                held.put(w.tripId(), new TripEvaluator(w.tripId(), w.sourceLat(), w.sourceLng(), w.destinationLat(),
                        w.destinationLng(), corridors.of(w.sourceLat(), w.sourceLng(), w.destinationLat(),
                                w.destinationLng()), settings, state));
                if (w.state() != null) {
                    log.info("safety: node {} took over the watch of trip {}", nodeId, w.tripId());
                }
            }
        }
    }

    /** A held trip is no longer active: an early end is recorded with the watch's closing, in one transaction. */
    private void close(WatchStore.Ended ended) throws Exception {
        TripEvaluator e = held.get(ended.tripId());
        List<Detection> found = e != null && ended.status().equals(TripStatus.COMPLETED.json()) ? e.ended() : List.of();
        db.tx(c -> {
            if (WatchStore.close(c, ended.tripId(), nodeId, clock.instant())) {
                for (Detection d : found) {
                    record(c, ended.tripId(), d);
                }
            }
            return null;
        });
        held.remove(ended.tripId());
    }

    private void writePending() {
        int n = pending.size();
        for (int i = 0; i < n; i++) {
            Pending p = pending.poll();
            if (p == null) {
                return;
            }
            try {
                db.tx(c -> {
                    record(c, p.tripId(), p.detection());
                    return null;
                });
            } catch (Exception e) {
                pending.add(p);
                log.warn("safety: detection {} on trip {} not recorded yet ({}); retrying", p.detection().kind().json(),
                        p.tripId(), e.toString());
                return;
            }
        }
    }

    private void record(java.sql.Connection c, UUID tripId, Detection d) throws java.sql.SQLException {
        SafetyChecks.Opened o = checks.open(c, tripId, d, nodeId);
        detections.incrementAndGet();
        log.warn("safety: {} on trip {} ({}) {}", d.kind().json(), tripId, d.inputs(), o.opened()
                ? "opened check " + o.checkId() : "joined open check " + o.checkId());
    }

    /** Stops evaluating and hands this node's watches back at once (state kept), so others need not wait. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (held.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        try {
            db.tx(c -> {
                for (TripEvaluator e : held.values()) {
                    WatchStore.release(c, e.tripId(), nodeId, e.state(), now);
                }
                return null;
            });
        } catch (Exception e) {
            log.warn("safety: watches not handed back ({}); others take them when the leases end", e.toString());
        }
        held.clear();
    }
}
