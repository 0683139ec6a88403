package com.hushryd.sos;

import com.hushryd.rooms.Room;
import com.hushryd.sos.SosAlert.TrackPoint;
import com.hushryd.sos.SosStore.Recipient;
import com.hushryd.store.Ids;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Creates alerts inside the caller's transaction: the alert, its first track point, its notification rows and jobs and
 * its escalation job commit together, before anything is sent (decision 0040). Used by {@link SosService} for a
 * person's trigger and by the safety check-ins for an alert raised on someone's behalf (no answer, "I need help"),
 * which run in job workers where no {@code SosService} exists.
 */
public final class SosRaiser {
    private final SosJobs jobs;
    private final SosSettings settings;
    private final Clock clock;

    public SosRaiser(SosJobs jobs, SosSettings settings, Clock clock) {
        this.jobs = jobs;
        this.settings = settings;
        this.clock = clock;
    }

    /** An alert raised for a user by the system; {@code created} is false when the user's open alert was returned. */
    public record Raised(UUID alertId, boolean created) {
    }

    /**
     * Raises an alert for {@code userId} on {@code tripId}, attached to the safety check that asked for it, unless the
     * user has an open alert already: then that one is returned and the position joins its track.
     */
    public Raised raise(Connection c, UUID userId, UUID tripId, Double lat, Double lng, String message,
            UUID safetyCheckId) throws SQLException {
        Instant now = clock.instant();
        Optional<SosAlert> open = SosStore.openOf(c, userId);
        if (open.isPresent()) {
            if (lat != null) {
                SosStore.track(c, open.get().id(), new TrackPoint(lat, lng, null, null, null, now, "trigger"));
            }
            return new Raised(open.get().id(), false);
        }
        UUID id = Ids.newId();
        create(c, id, userId, tripId, lat, lng, null, message, null, now, now.plus(settings.escalateAfter()),
                safetyCheckId);
        return new Raised(id, true);
    }

    void create(Connection c, UUID id, UUID userId, UUID tripId, Double lat, Double lng, Double accuracy,
            String message, String key, Instant at, Instant escalateAt, UUID safetyCheckId) throws SQLException {
        SosStore.insertAlert(c, id, userId, tripId, lat, lng, accuracy, message, key, at, escalateAt);
        if (safetyCheckId != null) {
            SosStore.attachSafetyCheck(c, id, safetyCheckId);
        }
        if (tripId != null) {
            // the emergency contacts get a link to the trip's live page with the alert
            UUID share = com.hushryd.share.ShareStore.create(c, tripId, userId, "sos", at);
            SosStore.attachShare(c, id, share);
        }
        if (lat != null) {
            SosStore.track(c, id, new TrackPoint(lat, lng, null, null, accuracy, at, "trigger"));
        }
        List<Recipient> recipients = new ArrayList<>(SosStore.contacts(c, userId));
        recipients.add(new Recipient("alert", "push", "user:" + userId, null));
        recipients.add(new Recipient("alert", "in_app", SosJobs.ROOM, "admins"));
        if (tripId != null) {
            recipients.add(new Recipient("alert", "in_app", Room.trip(tripId).name(), "trip"));
        }
        SosTimeline.append(c, id, "raised", safetyCheckId == null ? "user:" + userId : "safety-check:" + safetyCheckId,
                SosTimeline.detail("userId", userId, "tripId", tripId, "lat", lat, "lng", lng, "accuracy", accuracy,
                        "message", message, "safetyCheckId", safetyCheckId, "escalateAt", escalateAt.toString()), at);
        jobs.schedule(c, id, recipients, clock.instant());
        jobs.scheduleEscalation(c, id, escalateAt);
    }
}
