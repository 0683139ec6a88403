package com.hushryd.client.model;

import java.math.BigDecimal;
import java.time.Instant;

/** A trip a driver published; {@code status} is scheduled, active, completed or cancelled. */
public record Trip(String id, String driverId, Place source, Place destination, Instant departureTime, int seats,
        int seatsAvailable, BigDecimal pricePerSeat, String status) {
}
