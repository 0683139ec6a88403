package com.hushryd.trips;

/** A named point: where a trip starts or ends. */
public record Place(String city, Double lat, Double lng) {
}
