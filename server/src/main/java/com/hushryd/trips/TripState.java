package com.hushryd.trips;

import java.util.UUID;

/** The few facts about a trip needed to authorise and decide: who drives it, its status, seats left. */
public record TripState(UUID id, UUID driverId, TripStatus status, int seatsAvailable) {
}
