package com.hushryd.safety;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A check-in as its trip's riders see it: the question, what prompted it, its deadline and how it ended.
 *
 * @param status     {@code open}, {@code ok} ("I'm OK"), {@code help} ("I need help": an SOS was raised) or
 *                   {@code expired} (no answer by the deadline: an SOS was raised)
 * @param answerers  who may answer: the trip's passengers, or its driver when it carries none
 * @param alertIds   the SOS alerts it raised
 */
public record SafetyCheck(UUID id, UUID tripId, String status, DetectionKind kind, String question,
        Instant openedAt, Instant deadline, Instant closedAt, UUID answeredBy, List<UUID> answerers,
        List<DetectionView> detections, List<UUID> alertIds) {

    /** A detection as recorded: its kind, where, when, by which node, and the inputs it was decided from. */
    public record DetectionView(UUID id, DetectionKind kind, Instant detectedAt, String node, Double lat, Double lng,
            Map<String, Object> inputs) {
    }
}
