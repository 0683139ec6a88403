package com.hushryd.sos;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An alert as its owner and admins see it ({@code GET /sos/{id}}): who raised it and where, its state, the escalation,
 * what every notification did, and the latest points of its track (newest first); {@code safetyCheckId} names the
 * safety check-in that raised it, if one did; {@code escalationStep} counts the steps of the acknowledgement
 * ladder it went through.
 */
public record SosAlert(UUID id, UUID userId, String userName, String userPhone, UUID tripId, SosStatus status,
        Point location, String message, Instant persistedAt, Instant acknowledgedAt, UUID acknowledgedBy,
        Instant resolvedAt, UUID resolvedBy, String resolution, String escalation, Instant escalateAt,
        Instant escalatedAt, int escalationStep, Point lastLocation,
        @JsonInclude(JsonInclude.Include.NON_NULL) UUID safetyCheckId,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<NotificationResult> notifications,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<TrackPoint> track) {

    /** A position; {@code at} is when it was taken (or received, for the trigger). */
    public record Point(double lat, double lng, Double accuracy, Instant at) {
    }

    /**
     * What one notification did: {@code pending} (not tried yet), {@code sent} (by {@code provider}), {@code retrying}
     * (the last attempt failed with {@code lastError}; more will follow) or {@code failed} (every attempt failed).
     */
    public record NotificationResult(String purpose, String channel, String recipient, String recipientName,
            String status, String provider, int attempts, String lastError, Instant updatedAt) {
    }

    /** A point of the alert's track; {@code source} is {@code trigger}, {@code user} (the owner's phone) or {@code trip}. */
    public record TrackPoint(double lat, double lng, Double speed, Double heading, Double accuracy, Instant recordedAt,
            String source) {
    }

    /** The alert without its notifications and track (lists, events). */
    public SosAlert summary() {
        return new SosAlert(id, userId, userName, userPhone, tripId, status, location, message, persistedAt,
                acknowledgedAt, acknowledgedBy, resolvedAt, resolvedBy, resolution, escalation, escalateAt,
                escalatedAt, escalationStep, lastLocation, safetyCheckId, null, null);
    }

    SosAlert with(List<NotificationResult> n, List<TrackPoint> t) {
        return new SosAlert(id, userId, userName, userPhone, tripId, status, location, message, persistedAt,
                acknowledgedAt, acknowledgedBy, resolvedAt, resolvedBy, resolution, escalation, escalateAt,
                escalatedAt, escalationStep, lastLocation, safetyCheckId, n, t);
    }
}
