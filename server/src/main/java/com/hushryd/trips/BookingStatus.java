package com.hushryd.trips;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

public enum BookingStatus {
    CONFIRMED, CANCELLED;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    static BookingStatus of(String db) {
        return valueOf(db.toUpperCase(Locale.ROOT));
    }
}
