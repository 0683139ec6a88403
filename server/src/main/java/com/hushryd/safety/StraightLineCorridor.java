package com.hushryd.safety;

/**
 * A corridor around the straight segment source → destination, of half-width {@code factor} × its length but at
 * least {@code minKm}. Distances use an equirectangular projection around the segment (a few multiplications, exact
 * enough at city and intercity scale).
 */
public final class StraightLineCorridor implements RouteCorridor {
    private static final double KM_PER_DEGREE = 111.195;

    private final double lat0;
    private final double cosLat;
    private final double ax;
    private final double ay;
    private final double dx;
    private final double dy;
    private final double lengthSquared;
    private final double halfWidthKm;

    public StraightLineCorridor(double sourceLat, double sourceLng, double destinationLat, double destinationLng,
            double factor, double minKm) {
        this.lat0 = (sourceLat + destinationLat) / 2;
        this.cosLat = Math.cos(Math.toRadians(lat0));
        this.ax = x(sourceLng);
        this.ay = y(sourceLat);
        this.dx = x(destinationLng) - ax;
        this.dy = y(destinationLat) - ay;
        this.lengthSquared = dx * dx + dy * dy;
        this.halfWidthKm = Math.max(minKm, factor * Math.sqrt(lengthSquared));
    }

    /** The corridors of a deployment: {@code factor} of the trip's length, at least {@code minKm} each side. */
    public static Source source(double factor, double minKm) {
        return (sLat, sLng, dLat, dLng) -> new StraightLineCorridor(sLat, sLng, dLat, dLng, factor, minKm);
    }

    private double x(double lng) {
        return lng * KM_PER_DEGREE * cosLat;
    }

    private static double y(double lat) {
        return lat * KM_PER_DEGREE;
    }

    /** Distance (km) from the point to the segment. */
    double distanceKm(double lat, double lng) {
        double px = x(lng) - ax;
        double py = y(lat) - ay;
        double t = lengthSquared == 0 ? 0 : Math.max(0, Math.min(1, (px * dx + py * dy) / lengthSquared));
        double ex = px - t * dx;
        double ey = py - t * dy;
        return Math.sqrt(ex * ex + ey * ey);
    }

    public double halfWidthKm() {
        return halfWidthKm;
    }

    @Override
    public double outsideKm(double lat, double lng) {
        return distanceKm(lat, lng) - halfWidthKm;
    }
}
