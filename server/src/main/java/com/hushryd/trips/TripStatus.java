package com.hushryd.trips;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The life of a trip: scheduled → active → completed, or scheduled → cancelled. */
public enum TripStatus {
    SCHEDULED, ACTIVE, COMPLETED, CANCELLED;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    static TripStatus of(String db) {
        return valueOf(db.toUpperCase(Locale.ROOT));
    }
}
