package com.hushryd.sos;

import com.hushryd.rooms.RoomEvents;
import com.hushryd.rooms.Room;
import com.hushryd.jobs.JobContext;
import com.hushryd.jobs.JobHandlers;
import com.hushryd.jobs.JobJson;
import com.hushryd.jobs.JobProducer;
import com.hushryd.jobs.JobRequest;
import com.hushryd.jobs.Priority;
import com.hushryd.notify.Channel;
import com.hushryd.notify.Notification;
import com.hushryd.notify.Notifications;
import com.hushryd.sos.SosStore.Pending;
import com.hushryd.sos.SosStore.Recipient;
import com.hushryd.store.Database;
import com.hushryd.store.Ids;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs behind an alert. {@code sos-notify} (one job per notification row, on the channel's notify queue, critical
 * priority) builds the message from the alert as it is when the job runs, sends it and records the outcome on the
 * row. {@code sos-escalate} (queue {@code sos}, delayed) alerts the on-call contact when nobody has acknowledged the
 * alert by then; acknowledging or resolving first turns it into a no-op.
 */
public final class SosJobs {
    private static final Logger log = LoggerFactory.getLogger(SosJobs.class);
    public static final String QUEUE = "sos";
    public static final String NOTIFY = "sos-notify";
    public static final String ESCALATE = "sos-escalate";
    public static final String ROOM = Room.SOS_ALERTS.name();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final Database db;
    private final JobProducer jobs;
    private final Notifications notifications;
    private final RoomEvents rooms;
    private final SosSettings settings;
    private final Clock clock;
    private final com.hushryd.share.ShareLinks shareLinks;

    /** The payload of both job types; {@code step} is the escalation step (1 when absent: jobs of earlier versions). */
    record Ref(UUID alertId, UUID notificationId, Integer step) {
        Ref(UUID alertId, UUID notificationId) {
            this(alertId, notificationId, null);
        }

        int stepOrFirst() {
            return step == null ? 1 : step;
        }
    }

    public SosJobs(Database db, JobProducer jobs, Notifications notifications, RoomEvents rooms, SosSettings settings,
            Clock clock, com.hushryd.share.ShareLinks shareLinks) {
        this.shareLinks = shareLinks;
        this.db = db;
        this.jobs = jobs;
        this.notifications = notifications;
        this.rooms = rooms;
        this.settings = settings;
        this.clock = clock;
    }

    public void register(JobHandlers handlers) {
        handlers.register(NOTIFY, this::notify);
        handlers.register(ESCALATE, this::escalate);
    }

    /** Adds a notification row and its job for each recipient, in the caller's transaction. */
    void schedule(Connection c, UUID alertId, List<Recipient> recipients, Instant now) throws SQLException {
        int position = SosStore.nextPosition(c, alertId);
        for (Recipient r : recipients) {
            UUID id = Ids.newId();
            JobRequest job = JobRequest.of(queueOf(r.channel()), NOTIFY, JobJson.write(new Ref(alertId, id)))
                    .withPriority(Priority.CRITICAL).withAttempts(settings.attempts(), SosSettings.FIRST_BACKOFF)
                    .withTimeout(Duration.ofMinutes(2));
            JobProducer.Receipt receipt = jobs.submit(c, job);
            SosStore.insertNotification(c, id, alertId, position++, r, receipt.jobId(), now);
        }
    }

    /** The escalation job of a new alert, due at {@code escalateAt}, in the caller's transaction. */
    void scheduleEscalation(Connection c, UUID alertId, Instant escalateAt) throws SQLException {
        scheduleEscalation(c, alertId, escalateAt, 1);
    }

    private void scheduleEscalation(Connection c, UUID alertId, Instant escalateAt, int step) throws SQLException {
        Duration delay = Duration.between(clock.instant(), escalateAt);
        jobs.submit(c, JobRequest.of(QUEUE, ESCALATE, JobJson.write(new Ref(alertId, null, step)))
                .withPriority(Priority.CRITICAL).withDelay(delay.isNegative() ? Duration.ZERO : delay)
                .withAttempts(settings.attempts(), SosSettings.FIRST_BACKOFF));
    }

    private static String queueOf(String channel) {
        return Channel.valueOf(channel.toUpperCase(Locale.ROOT)).queue();
    }

    private void notify(JobContext ctx) throws Exception {
        Ref ref = ctx.payload(Ref.class);
        Optional<Pending> row = db.read(c -> SosStore.pending(c, ref.notificationId()));
        Optional<SosAlert> alert = db.read(c -> SosStore.alert(c, ref.alertId()));
        if (row.isEmpty() || alert.isEmpty() || row.get().status().equals("sent")) {
            return; // gone, or a repeat delivery of a job that already did its work
        }
        Pending n = row.get();
        String provider;
        try {
            provider = send(n, alert.get());
        } catch (Exception e) {
            boolean last = ctx.attempt() >= ctx.maxAttempts();
            String error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            db.tx(c -> {
                SosStore.settle(c, n.id(), last ? "failed" : "retrying", null, ctx.attempt(),
                        error.length() > 500 ? error.substring(0, 500) : error, clock.instant());
                if (last) {
                    notified(c, n, "failed", null, ctx.attempt());
                }
                return null;
            });
            if (last) {
                log.error("SOS {}: {} to {} failed after {} attempts: {}", n.alertId(), n.channel(), n.recipient(),
                        ctx.attempt(), error);
            }
            throw e;
        }
        db.tx(c -> {
            if (SosStore.pending(c, n.id()).map(p -> !p.status().equals("sent")).orElse(false)) {
                SosStore.settle(c, n.id(), "sent", provider, ctx.attempt(), null, clock.instant());
                notified(c, n, "sent", provider, ctx.attempt());
            }
            return null;
        });
    }

    /** The timeline's record of what one notification did. */
    private void notified(Connection c, Pending n, String status, String provider, int attempts) throws SQLException {
        SosTimeline.append(c, n.alertId(), "notified", "system", SosTimeline.detail("purpose", n.purpose(),
                "channel", n.channel(), "recipient", n.recipient(), "status", status, "provider", provider,
                "attempts", attempts), clock.instant());
    }

    /** Sends one notification; returns who took it. */
    private String send(Pending n, SosAlert a) throws Exception {
        boolean escalation = n.purpose().equals("escalation");
        if (n.channel().equals("in_app")) {
            rooms.emit(Room.named(n.recipient()), "sos:alert", event(escalation ? "escalated" : "triggered", a,
                    n.recipient().equals(ROOM)));
            return "realtime";
        }
        Channel channel = Channel.valueOf(n.channel().toUpperCase(Locale.ROOT));
        Optional<UUID> share = db.read(c -> com.hushryd.share.ShareStore.ofAlert(c, a.id()));
        String text = text(a, escalation, share.map(shareLinks::url).orElse(null));
        String subject = (escalation ? "ESCALATED SOS: " : "SOS: ") + a.userName() + " needs help";
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("alertId", a.id().toString());
        data.put("status", a.status().json());
        UUID about = a.userId();
        return notifications.deliver(new Notification(channel, n.recipient(), about,
                channel == Channel.SMS ? null : subject, text, escalation ? "sos.escalated" : "sos.alert", data));
    }

    /** The text of an SMS or email: who, where (a map link to the latest position), when, and what to do. */
    static String text(SosAlert a, boolean escalation) {
        return text(a, escalation, null);
    }

    /** The text, with the link to the trip's live page when the alert has one. */
    static String text(SosAlert a, boolean escalation, String shareUrl) {
        StringBuilder b = new StringBuilder();
        b.append(escalation ? "ESCALATED (not acknowledged): " : "").append("SOS from ").append(a.userName())
                .append(" (").append(a.userPhone()).append(") on HushRyd");
        if (a.message() != null) {
            b.append(": \"").append(a.message()).append('"');
        }
        b.append('.');
        SosAlert.Point p = a.lastLocation() != null ? a.lastLocation() : a.location();
        if (p != null) {
            b.append(String.format(Locale.ROOT, " Last known location https://maps.google.com/?q=%.6f,%.6f", p.lat(),
                    p.lng()));
            if (p.at() != null) {
                b.append(" at ").append(TIME.format(p.at()));
            }
            b.append('.');
        }
        if (shareUrl != null) {
            b.append(" Follow the trip live: ").append(shareUrl).append('.');
        }
        b.append(" Call them now; if you cannot reach them, call local emergency services. Alert ").append(a.id());
        return b.toString();
    }

    /** The {@code sos:alert} payload: the whole summary for admins, less (no phone) for the trip's other riders. */
    static Map<String, Object> event(String type, SosAlert a, boolean forAdmins) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        if (forAdmins) {
            m.put("alert", a.summary());
        } else {
            Map<String, Object> brief = new LinkedHashMap<>();
            brief.put("id", a.id());
            brief.put("tripId", a.tripId());
            brief.put("userId", a.userId());
            brief.put("userName", a.userName());
            brief.put("status", a.status());
            m.put("alert", brief);
        }
        return m;
    }

    /**
     * One step of the acknowledgement ladder: while the alert is still unacknowledged and this step has not run, alert
     * the step's tier (step 1: the on-call contact and the admins; then SOS_ESCALATION_TIERS; then the last tier
     * again SOS_ESCALATION_REPEATS times) and schedule the next step one deadline later, in one transaction.
     */
    private void escalate(JobContext ctx) throws Exception {
        Ref ref = ctx.payload(Ref.class);
        int step = ref.stepOrFirst();
        Instant now = clock.instant();
        Instant next = now.plus(settings.escalateAfter());
        boolean more = step < settings.steps();
        List<Recipient> tier = tier(step);
        boolean escalated = db.tx(c -> {
            if (!SosStore.escalate(c, ref.alertId(), step, now, more ? next : null)) {
                return false;
            }
            schedule(c, ref.alertId(), tier, now);
            SosTimeline.append(c, ref.alertId(), "escalated", "system", SosTimeline.detail("step", step,
                    "deadline", settings.escalateAfter().toString(), "recipients", tier.stream()
                            .map(r -> r.channel() + ":" + r.to()).toList(), "nextStepAt", more ? next.toString() : null),
                    now);
            if (more) {
                scheduleEscalation(c, ref.alertId(), next, step + 1);
            }
            return true;
        });
        if (escalated) {
            log.warn("SOS {} was not acknowledged within {}: escalation step {} of {} to {}", ref.alertId(),
                    settings.escalateAfter(), step, settings.steps(), tier.stream().map(Recipient::to).toList());
        }
    }

    /** Whom a step alerts. */
    List<Recipient> tier(int step) {
        List<Recipient> out = new ArrayList<>();
        int index = Math.min(step - 1, settings.tiers().size());
        if (index == 0) {
            settings.onCallPhone().ifPresent(p -> out.add(new Recipient("escalation", "sms", p, "on-call")));
            settings.onCallEmail().ifPresent(e -> out.add(new Recipient("escalation", "email", e, "on-call")));
            out.add(new Recipient("escalation", "in_app", ROOM, "admins"));
            return out;
        }
        for (SosSettings.Contact contact : settings.tiers().get(index - 1).contacts()) {
            String to = contact.channel().equals("push") ? "user:" + contact.to() : contact.to();
            out.add(new Recipient("escalation", contact.channel(), to, "tier " + (index + 1)));
        }
        out.add(new Recipient("escalation", "in_app", ROOM, "admins"));
        return out;
    }
}
