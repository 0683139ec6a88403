package com.hushryd.location;

import java.time.Instant;
import java.util.UUID;

/**
 * A driver's position on a trip at a moment.
 *
 * @param speed    km/h, or null
 * @param heading  degrees from north in [0, 360), or null
 * @param accuracy metres, or null
 */
public record Location(UUID tripId, UUID driverId, double lat, double lng, Double speed, Double heading,
        Double accuracy, Instant timestamp) {
}
