package com.hushryd.client.model;

import java.math.BigDecimal;

/** {@code POST /trips}: departureTime as ISO-8601 with an offset, e.g. {@code 2026-12-01T09:30:00+05:30}. */
public record TripInput(Place source, Place destination, String departureTime, int seats, BigDecimal pricePerSeat) {
}
