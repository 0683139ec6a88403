package com.hushryd.client.model;

import java.time.Instant;

/** A trip's position, as {@code GET /trips/{id}/location} and the {@code location:update} event give it. */
public record Location(String tripId, String driverId, double lat, double lng, Double speed, Double heading,
        Double accuracy, Instant timestamp) {
}
