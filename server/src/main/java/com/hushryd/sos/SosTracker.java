package com.hushryd.sos;

import com.hushryd.rooms.RoomEvents;
import com.hushryd.rooms.Room;
import com.hushryd.location.Location;
import com.hushryd.sos.SosAlert.TrackPoint;
import com.hushryd.sos.SosStore.OpenAlert;
import com.hushryd.store.Database;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persistent tracking: while an alert is open, every location of its trip (from the driver's phone) and every location
 * its owner drives with is added to the alert's track in PostgreSQL and pushed to the admins ({@code sos:location} to
 * {@code sos:alerts}). The open alerts are read from PostgreSQL at start and every {@link #REFRESH}, so a node that
 * restarts, or did not take the trigger, follows them too; alerts opened or closed on this node apply at once.
 */
public final class SosTracker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SosTracker.class);
    static final Duration REFRESH = Duration.ofSeconds(2);
    /** How long a local open or close overrides what a refresh read (which may have started before it). */
    private static final long LOCAL_OVERRIDE_MS = 10_000;

    private final Database db;
    private final RoomEvents rooms;
    private final ScheduledExecutorService executor;
    private final Map<UUID, Long> openedHere = new ConcurrentHashMap<>();
    private final Map<UUID, OpenAlert> openedAlerts = new ConcurrentHashMap<>();
    private final Map<UUID, Long> closedHere = new ConcurrentHashMap<>();
    private final AtomicLong tracked = new AtomicLong();
    private volatile List<OpenAlert> fromDb = List.of();
    private volatile Map<UUID, List<OpenAlert>> byTrip = Map.of();
    private volatile Map<UUID, OpenAlert> byUser = Map.of();

    public SosTracker(Database db, RoomEvents rooms) {
        this.db = db;
        this.rooms = rooms;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sos-tracker");
            t.setDaemon(true);
            return t;
        });
    }

    /** Reads the open alerts now (resuming tracking after a restart), then every {@link #REFRESH}. */
    public void start() {
        try {
            refresh();
        } catch (Exception e) {
            log.warn("SOS tracking: could not read the open alerts yet ({}); retrying every {} s", e.toString(),
                    REFRESH.toSeconds());
        }
        if (!byUser.isEmpty()) {
            log.info("SOS tracking resumed for {} open alert(s)", byUser.size());
        }
        executor.scheduleWithFixedDelay(() -> {
            try {
                refresh();
            } catch (Exception e) {
                log.debug("SOS tracking refresh failed: {}", e.toString());
            }
        }, REFRESH.toMillis(), REFRESH.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void refresh() throws Exception {
        fromDb = db.read(SosStore::open);
        rebuild();
    }

    private synchronized void rebuild() {
        long now = System.currentTimeMillis();
        openedHere.values().removeIf(t -> now - t > LOCAL_OVERRIDE_MS);
        openedAlerts.keySet().retainAll(openedHere.keySet());
        closedHere.values().removeIf(t -> now - t > LOCAL_OVERRIDE_MS);
        Map<UUID, OpenAlert> all = new LinkedHashMap<>();
        for (OpenAlert a : fromDb) {
            all.put(a.id(), a);
        }
        all.putAll(openedAlerts);
        all.keySet().removeAll(closedHere.keySet());
        Map<UUID, List<OpenAlert>> trips = new HashMap<>();
        Map<UUID, OpenAlert> users = new HashMap<>();
        for (OpenAlert a : all.values()) {
            users.put(a.userId(), a);
            if (a.tripId() != null) {
                trips.computeIfAbsent(a.tripId(), t -> new ArrayList<>()).add(a);
            }
        }
        byTrip = Map.copyOf(trips);
        byUser = Map.copyOf(users);
    }

    void opened(OpenAlert a) {
        openedHere.put(a.id(), System.currentTimeMillis());
        openedAlerts.put(a.id(), a);
        closedHere.remove(a.id());
        rebuild();
    }

    void closed(UUID alertId) {
        closedHere.put(alertId, System.currentTimeMillis());
        openedHere.remove(alertId);
        openedAlerts.remove(alertId);
        rebuild();
    }

    /** Whether the user has an open alert (as far as this node knows). */
    public boolean tracking(UUID userId) {
        return byUser.containsKey(userId);
    }

    public int open() {
        return byUser.size();
    }

    public long tracked() {
        return tracked.get();
    }

    /**
     * A trip's new latest location: attaches it to the open alerts of the trip and of its driver. Called on the
     * location update's thread; the write happens on this tracker's thread.
     */
    public void onLocation(Location l) {
        List<OpenAlert> onTrip = byTrip.get(l.tripId());
        OpenAlert ofDriver = byUser.get(l.driverId());
        if (onTrip == null && ofDriver == null) {
            return;
        }
        List<OpenAlert> targets = new ArrayList<>(onTrip == null ? List.of() : onTrip);
        if (ofDriver != null && !targets.contains(ofDriver)) {
            targets.add(ofDriver);
        }
        TrackPoint p = new TrackPoint(l.lat(), l.lng(), l.speed(), l.heading(), l.accuracy(), l.timestamp(), "trip");
        for (OpenAlert a : targets) {
            executor.execute(() -> {
                try {
                    record(a, p);
                } catch (Exception e) {
                    log.warn("SOS {}: could not record a tracked location: {}", a.id(), e.toString());
                }
            });
        }
    }

    /** Adds a point to an alert's track and pushes it to the admins; blocking. */
    void record(OpenAlert a, TrackPoint p) throws Exception {
        db.tx(c -> {
            SosStore.track(c, a.id(), p);
            return null;
        });
        tracked.incrementAndGet();
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("alertId", a.id());
        event.put("userId", a.userId());
        event.put("tripId", a.tripId());
        event.put("location", p);
        try {
            rooms.emit(Room.SOS_ALERTS, "sos:location", event);
        } catch (Exception e) {
            log.debug("SOS {}: location not pushed to the admins: {}", a.id(), e.toString());
        }
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
