package com.hushryd.trips;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** A trip offered by a driver, with its seat count and where it is in its life. */
public record Trip(UUID id, UUID driverId, Driver driver, Place source, Place destination, Instant departureTime,
        int seats, int seatsAvailable, BigDecimal pricePerSeat, TripStatus status, Instant createdAt,
        Instant updatedAt, Instant startedAt, Instant completedAt, Instant cancelledAt) {

    /** The public face of the trip's driver. */
    public record Driver(UUID id, String name) {
    }
}
