package com.hushryd.client.model;

/** An online driver near a point. */
public record NearbyDriver(String driverId, double lat, double lng, double distanceKm) {
}
