package com.hushryd.trips;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** Seats held by a passenger on a trip. */
public record Booking(UUID id, UUID tripId, UUID passengerId, int seats, BookingStatus status, Instant createdAt,
        Instant cancelledAt, TripSummary trip) {

    /** Enough of the trip to show a booking in a list. */
    public record TripSummary(UUID id, UUID driverId, String from, String to, Instant departureTime,
            BigDecimal pricePerSeat, TripStatus status) {
    }
}
