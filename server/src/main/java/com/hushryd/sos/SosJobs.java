package com.hushryd.sos;

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
    public static final String ROOM = com.hushryd.realtime.RealtimeApp.SOS_ROOM;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final Database db;
    private final JobProducer jobs;
    private final Notifications notifications;
    private final RoomSink rooms;
    private final SosSettings settings;
    private final Clock clock;

    /** The payload of both job types. */
    record Ref(UUID alertId, UUID notificationId) {
    }

    public SosJobs(Database db, JobProducer jobs, Notifications notifications, RoomSink rooms, SosSettings settings,
            Clock clock) {
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
        Duration delay = Duration.between(clock.instant(), escalateAt);
        jobs.submit(c, JobRequest.of(QUEUE, ESCALATE, JobJson.write(new Ref(alertId, null)))
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
                return null;
            });
            if (last) {
                log.error("SOS {}: {} to {} failed after {} attempts: {}", n.alertId(), n.channel(), n.recipient(),
                        ctx.attempt(), error);
            }
            throw e;
        }
        db.tx(c -> {
            SosStore.settle(c, n.id(), "sent", provider, ctx.attempt(), null, clock.instant());
            return null;
        });
    }

    /** Sends one notification; returns who took it. */
    private String send(Pending n, SosAlert a) throws Exception {
        boolean escalation = n.purpose().equals("escalation");
        if (n.channel().equals("in_app")) {
            rooms.emit(n.recipient(), "sos:alert", event(escalation ? "escalated" : "triggered", a,
                    n.recipient().equals(ROOM)));
            return "realtime";
        }
        Channel channel = Channel.valueOf(n.channel().toUpperCase(Locale.ROOT));
        String text = text(a, escalation);
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

    private void escalate(JobContext ctx) throws Exception {
        Ref ref = ctx.payload(Ref.class);
        Instant now = clock.instant();
        boolean escalated = db.tx(c -> {
            if (!SosStore.escalate(c, ref.alertId(), now)) {
                return false;
            }
            List<Recipient> onCall = new ArrayList<>();
            settings.onCallPhone().ifPresent(p -> onCall.add(new Recipient("escalation", "sms", p, "on-call")));
            settings.onCallEmail().ifPresent(e -> onCall.add(new Recipient("escalation", "email", e, "on-call")));
            onCall.add(new Recipient("escalation", "in_app", ROOM, "admins"));
            schedule(c, ref.alertId(), onCall, now);
            return true;
        });
        if (escalated) {
            log.warn("SOS {} was not acknowledged within {}: escalated to {}", ref.alertId(), settings.escalateAfter(),
                    settings.onCallPhone().isPresent() || settings.onCallEmail().isPresent() ? "the on-call contact"
                            : "the admins only (set SOS_ONCALL_PHONE / SOS_ONCALL_EMAIL)");
        }
    }
}
