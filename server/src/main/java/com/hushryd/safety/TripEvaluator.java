package com.hushryd.safety;

import com.hushryd.location.Geo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The safety state of one active trip, fed with its locations and the passing of time; answers with what it noticed.
 * Each kind is reported once and re-armed when the condition ends (the trip moves again, comes back to its corridor,
 * slows down, is heard from). Speed, deviation and stop need evidence from the locations themselves (a condition is
 * sustained when locations kept showing it for the whole period), so a trip that goes quiet is reported as silent,
 * never as "still speeding". Times are milliseconds of the monitor's clock; {@link #observe} costs a few
 * multiplications. Thread-safe (the hot path and the monitor's thread both call it).
 */
final class TripEvaluator {
    private final UUID tripId;
    private final double sourceLat;
    private final double sourceLng;
    private final double destinationLat;
    private final double destinationLng;
    private final RouteCorridor corridor;
    private final SafetySettings s;
    private WatchState st;

    /**
     * The persisted state of an evaluator, restored by the node that takes the trip over.
     *
     * @param lastSeenAt  when the latest location arrived (or the watch began, before any)
     * @param lastTs      the latest location's own timestamp (epoch ms), or 0 before any
     */
    record WatchState(long lastSeenAt, long lastTs, Double lat, Double lng, Double anchorLat, Double anchorLng,
            long anchorSince, boolean stopRaised, double bestToDestinationKm, long offSince, long lastOffAt,
            boolean deviationRaised, long fastSince, long lastFastAt, boolean speedRaised, boolean silenceRaised) {
        static WatchState fresh(long now) {
            return new WatchState(now, 0, null, null, null, null, now, false, Double.MAX_VALUE, -1, -1, false, -1, -1,
                    false, false);
        }
    }

    TripEvaluator(UUID tripId, double sourceLat, double sourceLng, double destinationLat, double destinationLng,
            RouteCorridor corridor, SafetySettings settings, WatchState state) {
        this.tripId = tripId;
        this.sourceLat = sourceLat;
        this.sourceLng = sourceLng;
        this.destinationLat = destinationLat;
        this.destinationLng = destinationLng;
        this.corridor = corridor;
        this.s = settings;
        this.st = state;
    }

    UUID tripId() {
        return tripId;
    }

    synchronized WatchState state() {
        return st;
    }

    synchronized long lastSeenAt() {
        return st.lastSeenAt();
    }

    /**
     * A location of the trip ({@code speedKmh} as reported, or null); an older one than already seen is ignored.
     * Returns what it revealed (usually nothing).
     */
    synchronized List<Detection> observe(double lat, double lng, Double speedKmh, long timestamp, long now) {
        if (st.lat() != null && timestamp <= st.lastTs()) {
            return List.of();
        }
        List<Detection> found = List.of(); // allocated only when something is found (rarely)
        Double speed = speedKmh;
        if (speed == null && st.lat() != null && timestamp - st.lastTs() >= 5_000) {
            speed = Geo.distanceKm(st.lat(), st.lng(), lat, lng) / ((timestamp - st.lastTs()) / 3_600_000.0);
        }
        // stop: an anchor that moves only when the trip leaves its radius
        Double anchorLat = st.anchorLat();
        Double anchorLng = st.anchorLng();
        long anchorSince = st.anchorSince();
        boolean stopRaised = st.stopRaised();
        if (anchorLat == null || Geo.distanceKm(anchorLat, anchorLng, lat, lng) > SafetySettings.STOP_RADIUS_KM) {
            anchorLat = lat;
            anchorLng = lng;
            anchorSince = now;
            stopRaised = false;
        } else if (!stopRaised && now - anchorSince >= s.stopAfter().toMillis() && awayFromEnds(anchorLat, anchorLng)) {
            stopRaised = true;
            found = found.isEmpty() ? new ArrayList<>(1) : found;
            found.add(detection(DetectionKind.UNEXPECTED_STOP, lat, lng, Map.of("stoppedForMs", now - anchorSince,
                    "radiusKm", SafetySettings.STOP_RADIUS_KM, "thresholdMs", s.stopAfter().toMillis())));
        }
        // deviation: outside the corridor, or farther from the destination than the trip has been, by a tolerance
        double toDestination = Geo.distanceKm(lat, lng, destinationLat, destinationLng);
        double best = Math.min(st.bestToDestinationKm(), toDestination);
        double outside = corridor.outsideKm(lat, lng);
        boolean off = outside > 0 || toDestination - best > s.awayToleranceKm();
        long offSince = off ? (st.offSince() < 0 ? now : st.offSince()) : -1;
        long lastOffAt = off ? now : -1;
        boolean deviationRaised = off && st.deviationRaised();
        if (off && !deviationRaised && lastOffAt - offSince >= s.deviationFor().toMillis()) {
            deviationRaised = true;
            found = found.isEmpty() ? new ArrayList<>(1) : found;
            found.add(detection(DetectionKind.ROUTE_DEVIATION, lat, lng, Map.of("outsideCorridorKm", round(outside),
                    "toDestinationKm", round(toDestination), "closestToDestinationKm", round(best),
                    "awayToleranceKm", s.awayToleranceKm(), "deviatingForMs", lastOffAt - offSince,
                    "thresholdMs", s.deviationFor().toMillis())));
        }
        // speed: sustained above the limit
        boolean fast = speed != null && speed > s.speedLimitKmh();
        long fastSince = fast ? (st.fastSince() < 0 ? now : st.fastSince()) : -1;
        long lastFastAt = fast ? now : -1;
        boolean speedRaised = fast && st.speedRaised();
        if (fast && !speedRaised && lastFastAt - fastSince >= s.speedFor().toMillis()) {
            speedRaised = true;
            found = found.isEmpty() ? new ArrayList<>(1) : found;
            found.add(detection(DetectionKind.SPEED, lat, lng, Map.of("speedKmh", round(speed), "limitKmh",
                    s.speedLimitKmh(), "speedingForMs", lastFastAt - fastSince, "thresholdMs",
                    s.speedFor().toMillis(), "reported", speedKmh != null)));
        }
        st = new WatchState(now, timestamp, lat, lng, anchorLat, anchorLng, anchorSince, stopRaised, best, offSince,
                lastOffAt, deviationRaised, fastSince, lastFastAt, speedRaised, false);
        return found;
    }

    /** The passing of time: GPS silence. */
    synchronized List<Detection> tick(long now) {
        if (st.silenceRaised() || now - st.lastSeenAt() < s.silenceAfter().toMillis()) {
            return List.of();
        }
        st = new WatchState(st.lastSeenAt(), st.lastTs(), st.lat(), st.lng(), st.anchorLat(), st.anchorLng(),
                st.anchorSince(), st.stopRaised(), st.bestToDestinationKm(), st.offSince(), st.lastOffAt(),
                st.deviationRaised(), st.fastSince(), st.lastFastAt(), st.speedRaised(), true);
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("silentForMs", now - st.lastSeenAt());
        in.put("thresholdMs", s.silenceAfter().toMillis());
        in.put("everLocated", st.lat() != null);
        return List.of(detection(DetectionKind.GPS_SILENCE, st.lat(), st.lng(), in));
    }

    /** The trip was completed: an early or far end when its last position is away from the destination. */
    synchronized List<Detection> ended() {
        if (st.lat() == null) {
            return List.of();
        }
        double toDestination = Geo.distanceKm(st.lat(), st.lng(), destinationLat, destinationLng);
        if (toDestination <= s.endRadiusKm()) {
            return List.of();
        }
        return List.of(detection(DetectionKind.EARLY_END, st.lat(), st.lng(), Map.of("toDestinationKm",
                round(toDestination), "endRadiusKm", s.endRadiusKm(), "lastLocationTs", st.lastTs())));
    }

    private boolean awayFromEnds(double lat, double lng) {
        return Geo.distanceKm(lat, lng, sourceLat, sourceLng) > s.endRadiusKm()
                && Geo.distanceKm(lat, lng, destinationLat, destinationLng) > s.endRadiusKm();
    }

    private static Detection detection(DetectionKind kind, Double lat, Double lng, Map<String, Object> inputs) {
        return new Detection(kind, lat, lng, inputs);
    }

    private static double round(double km) {
        return Math.round(km * 1000) / 1000.0;
    }
}
