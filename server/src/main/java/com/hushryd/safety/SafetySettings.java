package com.hushryd.safety;

import java.time.Duration;

/**
 * The thresholds of the trip safety monitor and its check-ins, per deployment (the SAFETY_* settings).
 *
 * @param enabled          whether this node runs the monitor (check-in answers are served either way)
 * @param stopAfter        no meaningful movement for this long is an unexpected stop
 * @param silenceAfter     no location for this long during an active trip is GPS silence
 * @param checkDeadline    how long a rider has to answer "Is everything OK?" before an SOS is raised
 * @param corridorFactor   half-width of the route corridor as a share of the straight source → destination distance
 * @param corridorMinKm    the corridor's least half-width
 * @param awayToleranceKm  moving this much farther from the destination than the trip has been counts as deviating
 * @param deviationFor     how long a deviation must last before it is reported
 * @param speedLimitKmh    speed above which the trip is speeding
 * @param speedFor         how long speeding must last before it is reported
 * @param endRadiusKm      a trip completed farther than this from its destination ended early; stops within it of
 *                         the source or the destination are expected
 * @param tick             how often each node evaluates the trips it watches (time-based kinds, polling)
 * @param lease            how long a node's hold on a trip lasts without renewal (a dead node's trips move on after)
 */
public record SafetySettings(boolean enabled, Duration stopAfter, Duration silenceAfter, Duration checkDeadline,
        double corridorFactor, double corridorMinKm, double awayToleranceKm, Duration deviationFor,
        double speedLimitKmh, Duration speedFor, double endRadiusKm, Duration tick, Duration lease) {
    /** Movement within this radius (km) is not movement: GPS jitter of a phone standing still. */
    public static final double STOP_RADIUS_KM = 0.15;

    /** The defaults of the README table. */
    public static SafetySettings defaults() {
        return new SafetySettings(true, Duration.ofMinutes(5), Duration.ofMinutes(2), Duration.ofMinutes(2), 0.3, 2,
                3, Duration.ofMinutes(2), 130, Duration.ofSeconds(30), 2, Duration.ofSeconds(1),
                Duration.ofSeconds(15));
    }
}
