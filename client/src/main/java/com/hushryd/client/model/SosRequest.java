package com.hushryd.client.model;

/** {@code POST /sos}: every field optional (a phone without a fix must still call for help); lat/lng together. */
public record SosRequest(String tripId, Double lat, Double lng, Double accuracy, String message) {
}
