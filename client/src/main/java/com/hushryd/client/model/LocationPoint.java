package com.hushryd.client.model;

/**
 * One position of a driver's trip, for {@code POST /locations/batch}; {@code timestamp} is when it was taken (epoch
 * ms), which also makes a re-sent point harmless (the server keeps the newest).
 */
public record LocationPoint(String tripId, double lat, double lng, Double speed, Double heading, long timestamp) {
}
