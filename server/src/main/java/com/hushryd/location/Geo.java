package com.hushryd.location;

/** Great-circle distances on a spherical Earth (the same model Redis GEO uses). */
public final class Geo {
    /** Redis GEO's Earth radius, so both stores agree on distances. */
    static final double EARTH_RADIUS_KM = 6372.7976;

    private Geo() {
    }

    public static double distanceKm(double lat1, double lng1, double lat2, double lng2) {
        double p1 = Math.toRadians(lat1);
        double p2 = Math.toRadians(lat2);
        double dp = p2 - p1;
        double dl = Math.toRadians(lng2 - lng1);
        double a = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
        return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
    }
}
