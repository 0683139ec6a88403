package com.hushryd.client.model;

/** A city and a point in it. */
public record Place(String city, double lat, double lng) {
}
