package com.hushryd.client.model;

import java.time.Instant;

/** Seats a passenger holds on a trip; {@code status} is confirmed or cancelled. Its id is also the chat's id. */
public record Booking(String id, String tripId, String passengerId, int seats, String status, Instant createdAt,
        Instant cancelledAt) {
}
