package com.hushryd.sos;

import com.hushryd.rooms.RoomEvents;
import com.hushryd.rooms.Room;
import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.auth.Principal;
import com.hushryd.auth.Role;
import com.hushryd.common.ApiException;
import com.hushryd.common.Validator;
import com.hushryd.location.LocationService;
import com.hushryd.sos.SosAlert.TrackPoint;
import com.hushryd.sos.SosStore.OpenAlert;
import com.hushryd.store.Database;
import com.hushryd.store.Ids;
import com.hushryd.store.Jdbc;
import com.hushryd.trips.Cursor;
import com.hushryd.trips.Page;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SOS alerts. A trigger commits the alert, its notification rows and jobs, and its escalation job in one transaction,
 * on the database capacity reserved for critical work, before anything is sent; the jobs then notify the emergency
 * contacts (SMS, then email), the user's phone (push) and the admins and the trip's riders ({@code sos:alert}).
 * While PostgreSQL cannot take the alert, it is written to the node's journal instead (fsync'd before the 201), the
 * admins are told at once, and the alert is stored in PostgreSQL, with its notifications and escalation, exactly once
 * when it answers again (decision 0044). Blocking: call from worker threads.
 */
public final class SosService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SosService.class);
    public static final int MAX_MESSAGE = 1000;
    public static final int MAX_KEY = 200;
    public static final int TRACK_SHOWN = 100;

    private final Database db;
    private final SosJobs jobs;
    private final SosTracker tracker;
    private final RoomEvents rooms;
    private final SosMetrics metrics;
    private final Clock clock;
    private final SosSettings settings;
    private final SosJournal journal;
    private final SosRaiser raiser;
    private final ScheduledExecutorService replayer;
    /** When a journaled alert that failed for another reason than an unavailable database may be tried again. */
    private final Map<UUID, Instant> retryAt = new ConcurrentHashMap<>();

    /**
     * {@code journalDir} holds the journal of alerts raised while the database is unavailable; they are stored as
     * soon as it answers (checked every {@link #REPLAY_EVERY}), including those a previous run left.
     */
    public SosService(Database db, SosJobs jobs, SosTracker tracker, RoomEvents rooms, SosMetrics metrics,
            SosSettings settings, Clock clock, Path journalDir) throws IOException {
        this.db = db;
        this.jobs = jobs;
        this.tracker = tracker;
        this.rooms = rooms;
        this.metrics = metrics;
        this.settings = settings;
        this.clock = clock;
        this.journal = SosJournal.open(journalDir);
        this.raiser = new SosRaiser(jobs, settings, clock);
        this.replayer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sos-journal");
            t.setDaemon(true);
            return t;
        });
        replayer.scheduleWithFixedDelay(this::replayQuietly, 0, REPLAY_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    static final Duration REPLAY_EVERY = Duration.ofSeconds(1);

    /**
     * {@code POST /sos} and {@code sos:trigger}. {@code lat}/{@code lng} are optional (a phone without a fix must
     * still be able to call for help) but go together.
     */
    public record TriggerInput(String tripId, Double lat, Double lng, Double accuracy, String message,
            String idempotencyKey) {
    }

    /** The answer to a trigger; {@code created} is false when it returned an alert that already existed. */
    public record Triggered(UUID alertId, SosStatus status, Instant persistedAt, boolean created, Instant escalateAt) {
    }

    public record ResolveInput(String resolution) {
    }

    /** {@code POST /sos/{id}/location}: the owner's phone reporting where it is during the alert. */
    public record LocationInput(Double lat, Double lng, Double speed, Double heading, Double accuracy,
            JsonNode timestamp) {
    }

    private record Valid(UUID tripId, Double lat, Double lng, Double accuracy, String message, String key) {
    }

    public Triggered trigger(Principal p, TriggerInput in, String headerKey) throws SQLException {
        long start = System.nanoTime();
        Valid v = validate(in, headerKey);
        Optional<SosJournal.Entry> journaled = journal.pendingOf(p.userId());
        if (journaled.isPresent()) {
            // the user's alert from the outage is not in PostgreSQL yet: it is the open alert
            metrics.triggered(false, System.nanoTime() - start);
            return existing(journaled.get());
        }
        UUID id = Ids.newId();
        Triggered t;
        try {
            try {
                t = db.urgent(c -> trigger(c, p, v, id));
            } catch (SQLException e) {
                // a concurrent trigger of the same user won the race for the open alert or the key: answer with its
                // alert
                if (Jdbc.isUniqueViolation(e, SosStore.ONE_OPEN) || Jdbc.isUniqueViolation(e, SosStore.IDEMPOTENCY)) {
                    t = db.urgent(c -> trigger(c, p, v, id));
                } else {
                    throw e;
                }
            }
        } catch (SQLException | CallNotPermittedException e) {
            // PostgreSQL cannot take it (down, refusing, out of connections, or the commit's outcome is unknown):
            // the journal can; the same id makes storing it later exactly once either way
            t = journal(p, v, id, e);
            metrics.triggered(true, System.nanoTime() - start);
            return t;
        }
        if (t.created()) {
            tracker.opened(new OpenAlert(t.alertId(), p.userId(), v.tripId()));
            log.warn("SOS {} raised by user {}{} (escalates at {})", t.alertId(), p.userId(),
                    v.tripId() == null ? "" : " on trip " + v.tripId(), t.escalateAt());
        }
        metrics.triggered(t.created(), System.nanoTime() - start);
        return t;
    }

    private Valid validate(TriggerInput in, String headerKey) {
        Validator v = new Validator();
        UUID tripId = null;
        if (in.tripId() != null) {
            try {
                tripId = in.tripId().length() == 36 ? UUID.fromString(in.tripId()) : null;
            } catch (IllegalArgumentException e) {
                tripId = null;
            }
            v.check(tripId != null, "tripId", "must be a UUID");
        }
        Double lat = v.number("lat", in.lat(), -90, 90, false);
        Double lng = v.number("lng", in.lng(), -180, 180, false);
        if (in.lat() != null && in.lng() == null) {
            v.fail("lng", "is required with lat");
        } else if (in.lng() != null && in.lat() == null) {
            v.fail("lat", "is required with lng");
        }
        Double accuracy = v.number("accuracy", in.accuracy(), 0, 100_000, false);
        String message = v.text("message", in.message(), 1, MAX_MESSAGE, false);
        String key = headerKey != null ? headerKey : in.idempotencyKey();
        if (headerKey != null && in.idempotencyKey() != null && !headerKey.equals(in.idempotencyKey())) {
            v.fail("idempotencyKey", "differs from the Idempotency-Key header");
        }
        if (key != null) {
            v.check(!key.isEmpty() && key.length() <= MAX_KEY && key.chars().allMatch(ch -> ch > 32 && ch < 127),
                    "Idempotency-Key", "must be 1 to " + MAX_KEY + " visible ASCII characters");
        }
        v.throwIfInvalid();
        return new Valid(tripId, lat, lng, accuracy, message, key);
    }

    private Triggered trigger(Connection c, Principal p, Valid v, UUID id) throws SQLException {
        if (v.key() != null) {
            Optional<SosAlert> same = SosStore.byKey(c, p.userId(), v.key());
            if (same.isPresent()) {
                return existing(same.get());
            }
        }
        if (v.tripId() != null) {
            Optional<Boolean> onTrip = SosStore.onTrip(c, v.tripId(), p.userId());
            if (onTrip.isEmpty()) {
                throw new ApiException(404, "TRIP_NOT_FOUND", "no such trip", Map.of("field", "tripId"), null);
            }
            if (!onTrip.get() && p.role() != Role.ADMIN) {
                throw ApiException.forbidden("you are neither the driver nor a passenger of this trip");
            }
        }
        Instant now = clock.instant();
        Optional<SosAlert> open = SosStore.openOf(c, p.userId());
        if (open.isPresent()) {
            // one open alert per user: a second trigger adds to it (its position joins the track)
            if (v.lat() != null) {
                SosStore.track(c, open.get().id(), new TrackPoint(v.lat(), v.lng(), null, null, v.accuracy(), now,
                        "trigger"));
            }
            return existing(open.get());
        }
        Instant escalateAt = now.plus(settings.escalateAfter());
        create(c, id, p.userId(), v.tripId(), v.lat(), v.lng(), v.accuracy(), v.message(), v.key(), now, escalateAt);
        return new Triggered(id, SosStatus.ACTIVE, now, true, escalateAt);
    }

    /** Inserts a new alert with its first track point, its notification rows and jobs, and its escalation job. */
    private void create(Connection c, UUID id, UUID userId, UUID tripId, Double lat, Double lng, Double accuracy,
            String message, String key, Instant at, Instant escalateAt) throws SQLException {
        raiser.create(c, id, userId, tripId, lat, lng, accuracy, message, key, at, escalateAt, null);
    }

    private static Triggered existing(SosAlert a) {
        return new Triggered(a.id(), a.status(), a.persistedAt(), false, a.escalateAt());
    }

    private static Triggered existing(SosJournal.Entry e) {
        return new Triggered(e.id(), SosStatus.ACTIVE, e.at(), false, e.escalateAt());
    }

    /**
     * Persists the alert in the journal (on disk before this returns; if that fails too, the trigger answers 503 and
     * the client retries) and tells the admins' dashboards at once; the emergency contacts are notified when the
     * alert reaches PostgreSQL.
     */
    private Triggered journal(Principal p, Valid v, UUID id, Exception cause) {
        Instant now = clock.instant();
        SosJournal.Entry e = new SosJournal.Entry(id, p.userId(), p.role() == Role.ADMIN, v.tripId(), v.lat(),
                v.lng(), v.accuracy(), v.message(), v.key(), now, now.plus(settings.escalateAfter()));
        try {
            journal.append(e);
        } catch (IOException io) {
            io.addSuppressed(cause);
            log.error("SOS by user {} could be stored neither in the database nor in the journal {}: {}",
                    p.userId(), journal.file(), io.toString());
            throw ApiException.unavailable("SOS_NOT_STORED", "the alert could not be stored; retry now", 1);
        }
        log.error("SOS {} raised by user {}{} while the database is unavailable ({}): journaled in {}; the admins "
                + "are told now, the contacts once the database answers", id, p.userId(),
                v.tripId() == null ? "" : " on trip " + v.tripId(), cause.toString(), journal.file());
        SosAlert a = new SosAlert(id, p.userId(), null, null, v.tripId(), SosStatus.ACTIVE,
                v.lat() == null ? null : new SosAlert.Point(v.lat(), v.lng(), v.accuracy(), now), v.message(), now,
                null, null, null, null, null, "scheduled", e.escalateAt(), null, 0,
                v.lat() == null ? null : new SosAlert.Point(v.lat(), v.lng(), null, now), null, null, null);
        try {
            Map<String, Object> event = SosJobs.event("triggered", a, true);
            event.put("stored", false);
            rooms.emit(Room.SOS_ALERTS, "sos:alert", event);
        } catch (Exception x) {
            log.error("SOS {}: could not tell the admins either: {}", id, x.toString());
        }
        return new Triggered(id, SosStatus.ACTIVE, now, true, e.escalateAt());
    }

    private void replayQuietly() {
        try {
            replayJournal();
        } catch (RuntimeException e) {
            log.warn("SOS journal: replay failed: {}", e.toString());
        }
    }

    /**
     * Stores the journal's pending alerts in PostgreSQL, oldest first, each in one transaction that also schedules
     * its notifications and escalation; an alert already there (stored before a crash could mark it) is only marked.
     * Stops at the first sign that the database is still unavailable.
     */
    void replayJournal() {
        for (SosJournal.Entry e : journal.pending()) {
            Instant notBefore = retryAt.get(e.id());
            if (notBefore != null && clock.instant().isBefore(notBefore)) {
                continue;
            }
            boolean created;
            try {
                created = db.tx(c -> store(c, e));
            } catch (SQLException | CallNotPermittedException | ApiException ex) {
                if (ex instanceof SQLException sql && Database.unavailable(sql)
                        || ex instanceof CallNotPermittedException
                        || ex instanceof java.sql.SQLTransientConnectionException) {
                    return;
                }
                retryAt.put(e.id(), clock.instant().plusSeconds(30));
                log.error("SOS {}: cannot store the journaled alert ({}); trying again in 30 s", e.id(),
                        ex.toString());
                continue;
            }
            retryAt.remove(e.id());
            try {
                journal.stored(e.id());
            } catch (IOException ex) {
                // stored in PostgreSQL all the same: the next replay finds it there and only marks it
                log.warn("SOS {}: stored, but the journal could not record it: {}", e.id(), ex.toString());
            }
            if (created) {
                tracker.opened(new OpenAlert(e.id(), e.userId(), e.tripId()));
                log.warn("SOS {} (raised at {} while the database was unavailable) is now stored; notifications "
                        + "scheduled, escalation at {}", e.id(), e.at(), e.escalateAt());
            }
        }
    }

    /** Stores a journaled alert unless it is there already; returns whether it was created now. */
    private boolean store(Connection c, SosJournal.Entry e) throws SQLException {
        if (SosStore.alert(c, e.id()).isPresent()) {
            return false;
        }
        UUID tripId = e.tripId();
        if (tripId != null) {
            // checked now, since it could not be then: an unknown trip, or one the user is not on, is dropped
            Optional<Boolean> onTrip = SosStore.onTrip(c, tripId, e.userId());
            if (onTrip.isEmpty() || (!onTrip.get() && !e.admin())) {
                log.warn("SOS {}: trip {} dropped from the alert (unknown, or the user is not on it)", e.id(), tripId);
                tripId = null;
            }
        }
        String key = e.idempotencyKey() != null && SosStore.byKey(c, e.userId(), e.idempotencyKey()).isPresent()
                ? null : e.idempotencyKey();
        Optional<SosAlert> open = SosStore.openOf(c, e.userId());
        if (open.isPresent()) {
            // the user already has an open alert (raised on another node, or before the outage): this one joins it,
            // as a second trigger does, and stays on record as resolved into it
            SosStore.insertAlert(c, e.id(), e.userId(), tripId, e.lat(), e.lng(), e.accuracy(), e.message(), key,
                    e.at(), e.escalateAt());
            SosStore.resolve(c, e.id(), e.userId(), "joined open alert " + open.get().id(), clock.instant());
            if (e.lat() != null) {
                SosStore.track(c, open.get().id(), new TrackPoint(e.lat(), e.lng(), null, null, e.accuracy(), e.at(),
                        "trigger"));
            }
            log.warn("SOS {}: the user already had open alert {}; joined to it", e.id(), open.get().id());
            return false;
        }
        create(c, e.id(), e.userId(), tripId, e.lat(), e.lng(), e.accuracy(), e.message(), key, e.at(),
                e.escalateAt());
        return true;
    }

    /** How many alerts wait in the journal for the database. */
    public int journaled() {
        return journal.pending().size();
    }

    @Override
    public void close() {
        replayer.shutdown();
        try {
            replayer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            journal.close();
        } catch (IOException e) {
            log.warn("SOS journal: close failed: {}", e.toString());
        }
    }

    /** One alert with its notifications and latest track points, for its owner or an admin. */
    public SosAlert get(Principal p, UUID id) throws SQLException {
        return db.read(c -> {
            SosAlert a = visible(c, p, id);
            return a.with(SosStore.notifications(c, id), SosStore.trackOf(c, id, TRACK_SHOWN));
        });
    }

    private static SosAlert visible(Connection c, Principal p, UUID id) throws SQLException {
        Optional<SosAlert> a = SosStore.alert(c, id);
        if (a.isEmpty() || (p.role() != Role.ADMIN && !a.get().userId().equals(p.userId()))) {
            // someone else's alert is as invisible as a missing one
            throw new ApiException(404, "SOS_NOT_FOUND", "no such alert", Map.of(), null);
        }
        return a.get();
    }

    /** Admins: alerts newest first; {@code status} is open (default: active or acknowledged), one status, or all. */
    public Page<SosAlert> list(String status, Integer limit, String cursor) throws SQLException {
        Validator v = new Validator();
        String s = status == null ? "open" : status;
        v.check(List.of("open", "active", "acknowledged", "resolved", "all").contains(s), "status",
                "must be one of open, active, acknowledged, resolved, all");
        v.throwIfInvalid();
        Cursor after = cursor == null ? null : Cursor.decode(cursor);
        int n = limit == null ? 50 : limit;
        List<SosAlert> rows = db.read(c -> SosStore.list(c, s.equals("all") ? null : s,
                after == null ? null : after.time(), after == null ? null : after.id(), n + 1));
        if (rows.size() <= n) {
            return new Page<>(rows, null);
        }
        List<SosAlert> page = List.copyOf(rows.subList(0, n));
        SosAlert last = page.get(n - 1);
        return new Page<>(page, new Cursor(last.persistedAt(), last.id()).encode());
    }

    /** An admin takes the alert: cancels the escalation. Acknowledging again answers the alert unchanged. */
    public SosAlert acknowledge(Principal admin, UUID id) throws SQLException {
        return acknowledge(admin, id, false);
    }

    /**
     * {@code POST /admin/sos/{id}/ack}: as {@link #acknowledge(Principal, UUID)}, but a second acknowledgement is a
     * 409 {@code SOS_ALREADY_ACKNOWLEDGED} (the ladder's record says who took it first).
     */
    public SosAlert ack(Principal admin, UUID id) throws SQLException {
        return acknowledge(admin, id, true);
    }

    private SosAlert acknowledge(Principal admin, UUID id, boolean once) throws SQLException {
        Instant now = clock.instant();
        boolean[] changed = {false};
        SosAlert a = db.tx(c -> {
            SosAlert before = visible(c, admin, id);
            if (before.status() == SosStatus.RESOLVED) {
                throw new ApiException(409, "SOS_RESOLVED", "the alert is already resolved", Map.of(), null);
            }
            changed[0] = SosStore.acknowledge(c, id, admin.userId(), now);
            if (!changed[0] && once) {
                throw new ApiException(409, "SOS_ALREADY_ACKNOWLEDGED", "the alert is already acknowledged",
                        Map.of("acknowledgedBy", String.valueOf(before.acknowledgedBy())), null);
            }
            if (changed[0]) {
                SosTimeline.append(c, id, "acknowledged", "admin:" + admin.userId(), SosTimeline.detail(
                        "escalationStep", before.escalationStep()), now);
            }
            return SosStore.alert(c, id).orElseThrow();
        });
        if (changed[0]) {
            log.info("SOS {} acknowledged by admin {}", id, admin.userId());
            announce("acknowledged", a);
        }
        return a;
    }

    /** Its owner or an admin closes the alert: tracking stops, a pending escalation is cancelled. Idempotent. */
    public SosAlert resolve(Principal p, UUID id, ResolveInput in) throws SQLException {
        Validator v = new Validator();
        String resolution = v.text("resolution", in == null ? null : in.resolution(), 1, 500, false);
        v.throwIfInvalid();
        Instant now = clock.instant();
        boolean[] changed = {false};
        SosAlert a = db.tx(c -> {
            visible(c, p, id);
            changed[0] = SosStore.resolve(c, id, p.userId(), resolution, now);
            if (changed[0]) {
                SosTimeline.append(c, id, "resolved", p.role().json() + ":" + p.userId(), SosTimeline.detail(
                        "resolution", resolution), now);
            }
            return SosStore.alert(c, id).orElseThrow();
        });
        if (changed[0]) {
            tracker.closed(id);
            log.info("SOS {} resolved by {} {}", id, p.role().json(), p.userId());
            announce("resolved", a);
        }
        return a;
    }

    /** {@code POST /admin/sos/{id}/notes}: what an operator did or learned, on the record. */
    public record NoteInput(String text) {
    }

    /** An operator adds a note to the alert's timeline (open or resolved: notes after the fact count too). */
    public SosTimeline.Timeline note(Principal admin, UUID id, NoteInput in) throws SQLException {
        Validator v = new Validator();
        String text = v.text("text", in.text(), 1, 2000, true);
        v.throwIfInvalid();
        Instant now = clock.instant();
        return db.tx(c -> {
            visible(c, admin, id);
            SosTimeline.append(c, id, "note", "admin:" + admin.userId(), SosTimeline.detail("text", text), now);
            return SosTimeline.read(c, id);
        });
    }

    /** The alert's timeline, verified, for its owner or an admin. */
    public SosTimeline.Timeline timeline(Principal p, UUID id) throws SQLException {
        return db.read(c -> {
            visible(c, p, id);
            return SosTimeline.read(c, id);
        });
    }

    /** The owner's phone reports a position during an open alert: added to the track and pushed to the admins. */
    public TrackPoint locate(Principal p, UUID id, LocationInput in) throws Exception {
        Validator v = new Validator();
        Double lat = v.number("lat", in.lat(), -90, 90, true);
        Double lng = v.number("lng", in.lng(), -180, 180, true);
        Double speed = v.number("speed", in.speed(), 0, LocationService.MAX_SPEED_KMH, false);
        Double heading = v.number("heading", in.heading(), 0, 360, false);
        Double accuracy = v.number("accuracy", in.accuracy(), 0, 100_000, false);
        Instant at = LocationService.timestamp(v, "timestamp", in.timestamp(), clock.instant());
        v.throwIfInvalid();
        TrackPoint point = new TrackPoint(lat, lng, speed, heading, accuracy, at, "user");
        SosAlert a = db.read(c -> {
            SosAlert alert = visible(c, p, id);
            if (!alert.userId().equals(p.userId())) {
                throw ApiException.forbidden("only the person who raised the alert reports its location");
            }
            if (alert.status() == SosStatus.RESOLVED) {
                throw new ApiException(409, "SOS_RESOLVED", "the alert is already resolved", Map.of(), null);
            }
            return alert;
        });
        tracker.record(new OpenAlert(a.id(), a.userId(), a.tripId()), point);
        return point;
    }

    /** Tells the admins (and the trip's riders) that an alert changed; best effort, the state is in PostgreSQL. */
    private void announce(String type, SosAlert a) {
        try {
            rooms.emit(Room.SOS_ALERTS, "sos:alert", SosJobs.event(type, a, true));
            if (a.tripId() != null) {
                rooms.emit(Room.trip(a.tripId()), "sos:alert", SosJobs.event(type, a, false));
            }
        } catch (Exception e) {
            log.warn("SOS {}: could not announce '{}' to the admins: {}", a.id(), type, e.toString());
        }
    }

    public SosTracker tracker() {
        return tracker;
    }

    public Map<String, Object> stats() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("openAlerts", tracker.open());
        m.put("trackedLocations", tracker.tracked());
        m.put("journaledAlerts", journaled());
        return m;
    }
}
