package com.hushryd.safety;

/**
 * The corridor a trip is expected to stay in. Today the straight line from source to destination
 * ({@link StraightLineCorridor}); a routing engine, when one is configured, supplies its route's corridor through
 * {@link Source} without the monitor changing. Implementations are immutable and cheap: called on the location hot
 * path.
 */
public interface RouteCorridor {
    /** How far (km) a point is outside the corridor; zero or less inside it. */
    double outsideKm(double lat, double lng);

    /** Builds the corridor of a trip from its end points (the seam for a routing engine). */
    @FunctionalInterface
    interface Source {
        RouteCorridor of(double sourceLat, double sourceLng, double destinationLat, double destinationLng);
    }
}
