package com.hushryd.sos;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.auth.Principal;
import com.hushryd.auth.Role;
import com.hushryd.http.ApiException;
import com.hushryd.http.Validator;
import com.hushryd.location.LocationService;
import com.hushryd.sos.SosAlert.TrackPoint;
import com.hushryd.sos.SosStore.OpenAlert;
import com.hushryd.sos.SosStore.Recipient;
import com.hushryd.store.Database;
import com.hushryd.store.Ids;
import com.hushryd.store.Jdbc;
import com.hushryd.trips.Cursor;
import com.hushryd.trips.Page;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SOS alerts. A trigger commits the alert, its notification rows and jobs, and its escalation job in one transaction,
 * on the database capacity reserved for critical work, before anything is sent; the jobs then notify the emergency
 * contacts (SMS, then email), the user's phone (push) and the admins and the trip's riders ({@code sos:alert}).
 * Blocking: call from worker threads.
 */
public final class SosService {
    private static final Logger log = LoggerFactory.getLogger(SosService.class);
    public static final int MAX_MESSAGE = 1000;
    public static final int MAX_KEY = 200;
    public static final int TRACK_SHOWN = 100;

    private final Database db;
    private final SosJobs jobs;
    private final SosTracker tracker;
    private final RoomSink rooms;
    private final SosMetrics metrics;
    private final Clock clock;
    private final SosSettings settings;

    public SosService(Database db, SosJobs jobs, SosTracker tracker, RoomSink rooms, SosMetrics metrics,
            SosSettings settings, Clock clock) {
        this.db = db;
        this.jobs = jobs;
        this.tracker = tracker;
        this.rooms = rooms;
        this.metrics = metrics;
        this.settings = settings;
        this.clock = clock;
    }

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
        Triggered t;
        try {
            t = db.tx(c -> trigger(c, p, v));
        } catch (SQLException e) {
            // a concurrent trigger of the same user won the race for the open alert or the key: answer with its alert
            if (Jdbc.isUniqueViolation(e, SosStore.ONE_OPEN) || Jdbc.isUniqueViolation(e, SosStore.IDEMPOTENCY)) {
                t = db.tx(c -> trigger(c, p, v));
            } else {
                throw e;
            }
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

    private Triggered trigger(Connection c, Principal p, Valid v) throws SQLException {
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
        UUID id = Ids.newId();
        Instant escalateAt = now.plus(settings.escalateAfter());
        SosStore.insertAlert(c, id, p.userId(), v.tripId(), v.lat(), v.lng(), v.accuracy(), v.message(), v.key(), now,
                escalateAt);
        if (v.lat() != null) {
            SosStore.track(c, id, new TrackPoint(v.lat(), v.lng(), null, null, v.accuracy(), now, "trigger"));
        }
        List<Recipient> recipients = new ArrayList<>(SosStore.contacts(c, p.userId()));
        recipients.add(new Recipient("alert", "push", "user:" + p.userId(), null));
        recipients.add(new Recipient("alert", "in_app", SosJobs.ROOM, "admins"));
        if (v.tripId() != null) {
            recipients.add(new Recipient("alert", "in_app", LocationService.room(v.tripId()), "trip"));
        }
        jobs.schedule(c, id, recipients, now);
        jobs.scheduleEscalation(c, id);
        return new Triggered(id, SosStatus.ACTIVE, now, true, escalateAt);
    }

    private static Triggered existing(SosAlert a) {
        return new Triggered(a.id(), a.status(), a.persistedAt(), false, a.escalateAt());
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
        Instant now = clock.instant();
        boolean[] changed = {false};
        SosAlert a = db.tx(c -> {
            SosAlert before = visible(c, admin, id);
            if (before.status() == SosStatus.RESOLVED) {
                throw new ApiException(409, "SOS_RESOLVED", "the alert is already resolved", Map.of(), null);
            }
            changed[0] = SosStore.acknowledge(c, id, admin.userId(), now);
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
            return SosStore.alert(c, id).orElseThrow();
        });
        if (changed[0]) {
            tracker.closed(id);
            log.info("SOS {} resolved by {} {}", id, p.role().json(), p.userId());
            announce("resolved", a);
        }
        return a;
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
            rooms.emit(SosJobs.ROOM, "sos:alert", SosJobs.event(type, a, true));
            if (a.tripId() != null) {
                rooms.emit(LocationService.room(a.tripId()), "sos:alert", SosJobs.event(type, a, false));
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
        return m;
    }
}
