package com.hushryd.safety;

import com.hushryd.rooms.RoomEvents;
import com.hushryd.rooms.Room;
import com.hushryd.auth.Principal;
import com.hushryd.common.ApiException;
import com.hushryd.common.Validator;
import com.hushryd.jobs.JobContext;
import com.hushryd.jobs.JobHandlers;
import com.hushryd.jobs.JobJson;
import com.hushryd.jobs.JobProducer;
import com.hushryd.jobs.JobRequest;
import com.hushryd.jobs.Priority;
import com.hushryd.notify.Channel;
import com.hushryd.notify.Notification;
import com.hushryd.notify.Notifications;
import com.hushryd.safety.SafetyStore.CheckRow;
import com.hushryd.sos.SosRaiser;
import com.hushryd.store.Database;
import com.hushryd.store.Ids;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Check-ins: a detection asks the trip's riders "Is everything OK?" ({@code safety:check} to their sockets and a
 * push), with a deadline. "I'm OK" closes it; "I need help", or no answer by the deadline, raises an SOS for them
 * with the check attached, in the same transaction that closes the check (persist-before-notify). A trip has at most
 * one open check (a unique index decides races between nodes); detections made while one is open join it. Opening
 * commits the detection, the check, its pushes, its {@code safety-check-notify} job and its delayed
 * {@code safety-check-deadline} job together, so a node that dies afterwards loses nothing: any node's worker sends
 * the question and enforces the deadline. Both jobs are idempotent. Blocking: call from worker threads.
 */
public final class SafetyChecks {
    private static final Logger log = LoggerFactory.getLogger(SafetyChecks.class);
    public static final String QUEUE = "safety";
    public static final String NOTIFY = "safety-check-notify";
    public static final String DEADLINE = "safety-check-deadline";
    public static final String EVENT = "safety:check";
    public static final String QUESTION = "Is everything OK?";
    private static final int ATTEMPTS = 10;

    private final Database db;
    private final JobProducer jobs;
    private final Notifications notifications;
    private final RoomEvents rooms;
    private final SosRaiser sos;
    private final Duration deadline;
    private final Clock clock;

    /** The payload of both jobs. */
    record Ref(UUID checkId) {
    }

    /** What a detection did: recorded, and opened a check or joined the open one. */
    public record Opened(UUID detectionId, UUID checkId, boolean opened) {
    }

    /** {@code POST /safety-checks/{id}/answer}: {@code ok} or {@code help}, with where the rider is (optional). */
    public record AnswerInput(String answer, Double lat, Double lng) {
    }

    public SafetyChecks(Database db, JobProducer jobs, Notifications notifications, RoomEvents rooms, SosRaiser sos,
            Duration deadline, Clock clock) {
        this.db = db;
        this.jobs = jobs;
        this.notifications = notifications;
        this.rooms = rooms;
        this.sos = sos;
        this.deadline = deadline;
        this.clock = clock;
    }

    public void register(JobHandlers handlers) {
        handlers.register(NOTIFY, this::notifyRiders);
        handlers.register(DEADLINE, this::enforceDeadline);
    }

    /**
     * Records a detection and opens a check for it unless the trip has one open, in the caller's transaction (which
     * may also close the trip's watch: an early end is never lost between the two).
     */
    public Opened open(Connection c, UUID tripId, Detection d, String node) throws SQLException {
        Instant now = clock.instant();
        UUID detectionId = Ids.newId();
        SafetyStore.insertDetection(c, detectionId, tripId, d, node, now);
        UUID checkId = Ids.newId();
        Instant due = now.plus(deadline);
        boolean opened = SafetyStore.openCheck(c, checkId, tripId, d.kind(), now, due);
        if (!opened) {
            UUID existing = SafetyStore.openCheckOf(c, tripId).orElse(null);
            if (existing != null) {
                SafetyStore.linkDetection(c, detectionId, existing);
            }
            return new Opened(detectionId, existing, false);
        }
        SafetyStore.linkDetection(c, detectionId, checkId);
        for (UUID rider : answerers(c, tripId)) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("checkId", checkId.toString());
            data.put("tripId", tripId.toString());
            data.put("kind", d.kind().json());
            data.put("deadline", due.toString());
            notifications.send(c, new Notification(Channel.PUSH, "user:" + rider, rider, QUESTION,
                    d.kind().describe() + ". " + QUESTION + " Answer before " + due + " or we alert your contacts.",
                    "safety.check", data), Priority.CRITICAL);
        }
        String payload = JobJson.write(new Ref(checkId));
        jobs.submit(c, JobRequest.of(QUEUE, NOTIFY, payload).withPriority(Priority.CRITICAL)
                .withAttempts(ATTEMPTS, Duration.ofSeconds(1)));
        jobs.submit(c, JobRequest.of(QUEUE, DEADLINE, payload).withPriority(Priority.CRITICAL).withDelay(deadline)
                .withAttempts(ATTEMPTS, Duration.ofSeconds(1)));
        return new Opened(detectionId, checkId, true);
    }

    /** Who answers a trip's checks: its confirmed passengers, or its driver when it carries none. */
    private static List<UUID> answerers(Connection c, UUID tripId) throws SQLException {
        List<UUID> passengers = SafetyStore.passengers(c, tripId);
        if (!passengers.isEmpty()) {
            return passengers;
        }
        return driverOf(c, tripId);
    }

    private static List<UUID> driverOf(Connection c, UUID tripId) throws SQLException {
        return com.hushryd.store.Jdbc.list(c, "SELECT driver_id FROM trips WHERE id = ?",
                rs -> com.hushryd.store.Jdbc.uuid(rs, "driver_id"), tripId);
    }

    /** A rider answers. Anyone not on the trip: 404; the driver of a trip with passengers: 403; closed: 409. */
    public SafetyCheck answer(Principal p, UUID checkId, AnswerInput in) throws SQLException {
        Validator v = new Validator();
        String answer = in.answer();
        v.check(answer != null, "answer", "is required");
        if (answer != null) {
            v.check(answer.equals("ok") || answer.equals("help"), "answer", "must be ok or help");
        }
        Double lat = v.number("lat", in.lat(), -90, 90, false);
        Double lng = v.number("lng", in.lng(), -180, 180, false);
        if ((lat == null) != (lng == null)) {
            v.fail(lat == null ? "lat" : "lng", "lat and lng go together");
        }
        v.throwIfInvalid();
        Instant now = clock.instant();
        List<UUID> raised = new ArrayList<>();
        SafetyCheck result = db.tx(c -> {
            CheckRow row = visible(c, p, checkId);
            List<UUID> answerers = answerers(c, row.tripId());
            if (!answerers.contains(p.userId())) {
                throw ApiException.forbidden("only the trip's riders answer its safety checks");
            }
            if (!row.status().equals("open")) {
                throw new ApiException(409, "SAFETY_CHECK_CLOSED", "the check is closed already",
                        Map.of("status", row.status()), null);
            }
            if (!SafetyStore.close(c, checkId, answer, p.userId(), now, true)) {
                // a concurrent answer or the deadline job closed it since it was read, or its deadline has passed
                CheckRow current = SafetyStore.check(c, checkId).orElseThrow();
                if (!current.status().equals("open")) {
                    throw new ApiException(409, "SAFETY_CHECK_CLOSED", "the check is closed already",
                            Map.of("status", current.status()), null);
                }
                throw new ApiException(409, "SAFETY_CHECK_EXPIRED", "the check's deadline has passed; an alert is "
                        + "raised for it", Map.of("deadline", row.deadline().toString()), null);
            }
            if (answer.equals("help")) {
                SosRaiser.Raised r = sos.raise(c, p.userId(), row.tripId(), lat, lng,
                        "Asked for help in a safety check-in (" + row.kind().json() + ")", checkId);
                raised.add(r.alertId());
            }
            return view(c, SafetyStore.check(c, checkId).orElseThrow());
        });
        log.info("safety check {} on trip {}: {} answered '{}'{}", checkId, result.tripId(), p.userId(), answer,
                raised.isEmpty() ? "" : ", SOS " + raised.get(0));
        announce(result);
        return result;
    }

    /** A check for the trip's driver, its passengers and admins; 404 for anyone else. */
    public SafetyCheck get(Principal p, UUID checkId) throws SQLException {
        return db.read(c -> view(c, visible(c, p, checkId)));
    }

    private static CheckRow visible(Connection c, Principal p, UUID checkId) throws SQLException {
        CheckRow row = SafetyStore.check(c, checkId).orElse(null);
        if (row == null || !(p.isAdmin() || row.driverId().equals(p.userId())
                || SafetyStore.passengers(c, row.tripId()).contains(p.userId()))) {
            throw new ApiException(404, "SAFETY_CHECK_NOT_FOUND", "no such safety check", Map.of(), null);
        }
        return row;
    }

    private static SafetyCheck view(Connection c, CheckRow r) throws SQLException {
        return new SafetyCheck(r.id(), r.tripId(), r.status(), r.kind(), QUESTION, r.openedAt(), r.deadline(),
                r.closedAt(), r.answeredBy(), answerers(c, r.tripId()), SafetyStore.detections(c, r.id()),
                SafetyStore.alerts(c, r.id()));
    }

    /** Job: asks the riders on their sockets (the driver is told too); a no-op once the check is closed. */
    private void notifyRiders(JobContext ctx) throws Exception {
        Ref ref = ctx.payload(Ref.class);
        SafetyCheck check = db.read(c -> SafetyStore.check(c, ref.checkId()).isEmpty() ? null
                : view(c, SafetyStore.check(c, ref.checkId()).get()));
        if (check == null || !check.status().equals("open")) {
            return;
        }
        announce(check);
    }

    /** Job: at the deadline, an open check expires and raises an SOS for each rider who could have answered. */
    private void enforceDeadline(JobContext ctx) throws Exception {
        Ref ref = ctx.payload(Ref.class);
        Instant now = clock.instant();
        List<UUID> raised = new ArrayList<>();
        SafetyCheck check = db.tx(c -> {
            CheckRow row = SafetyStore.check(c, ref.checkId()).orElse(null);
            if (row == null || !row.status().equals("open")) {
                return null;
            }
            if (!SafetyStore.close(c, row.id(), "expired", null, now, false)) {
                // early (a clock ahead of the database's writer): try again after the deadline
                throw new IllegalStateException("safety check " + row.id() + " is not due until " + row.deadline());
            }
            List<SafetyCheck.DetectionView> found = SafetyStore.detections(c, row.id());
            SafetyCheck.DetectionView first = found.isEmpty() ? null : found.get(0);
            for (UUID rider : answerers(c, row.tripId())) {
                raised.add(sos.raise(c, rider, row.tripId(), first == null ? null : first.lat(),
                        first == null ? null : first.lng(), "No answer to a safety check-in (" + row.kind().json()
                                + ") within " + deadline.toSeconds() + " s", row.id()).alertId());
            }
            return view(c, SafetyStore.check(c, row.id()).orElseThrow());
        });
        if (check != null) {
            log.warn("safety check {} on trip {} was not answered by its deadline: SOS raised {}", check.id(),
                    check.tripId(), raised);
            announce(check);
        }
    }

    /** Tells the trip's riders and driver about the check (open: the question; closed: the outcome). Best effort. */
    private void announce(SafetyCheck check) {
        List<UUID> to = new ArrayList<>(check.answerers());
        UUID driver;
        try {
            driver = db.read(c -> driverOf(c, check.tripId())).stream().findFirst().orElse(null);
        } catch (SQLException e) {
            driver = null;
        }
        if (driver != null && !to.contains(driver)) {
            to.add(driver);
        }
        for (UUID user : to) {
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("check", check);
            event.put("canAnswer", check.answerers().contains(user) && check.status().equals("open"));
            try {
                rooms.emit(Room.user(user), EVENT, event);
            } catch (Exception e) {
                if (check.status().equals("open")) {
                    throw new IllegalStateException("cannot reach the riders' sockets: " + e, e);
                }
                log.debug("safety check {}: outcome not pushed to {}: {}", check.id(), user, e.toString());
            }
        }
    }
}
