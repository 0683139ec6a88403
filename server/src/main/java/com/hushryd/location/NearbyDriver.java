package com.hushryd.location;

import java.time.Instant;
import java.util.UUID;

/** An available driver near a point: where, how far (great-circle km) and when last seen. */
public record NearbyDriver(UUID driverId, double lat, double lng, double distanceKm, Instant lastSeen) {
}
