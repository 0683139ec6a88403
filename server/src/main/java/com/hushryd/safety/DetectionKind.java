package com.hushryd.safety;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What the trip safety monitor can notice on a trip. */
public enum DetectionKind {
    /** No meaningful movement for {@code SAFETY_STOP_AFTER}, away from the source and the destination. */
    UNEXPECTED_STOP,
    /** Outside the route corridor, or moving away from the destination, for {@code SAFETY_DEVIATION_FOR}. */
    ROUTE_DEVIATION,
    /** No location for {@code SAFETY_SILENCE_AFTER} while the trip is active. */
    GPS_SILENCE,
    /** Completed farther than {@code SAFETY_END_RADIUS} from the destination. */
    EARLY_END,
    /** Above {@code SAFETY_SPEED_LIMIT} for {@code SAFETY_SPEED_FOR}. */
    SPEED;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DetectionKind of(String json) {
        return valueOf(json.toUpperCase(Locale.ROOT));
    }

    /** How a rider reads it in the check-in question. */
    public String describe() {
        return switch (this) {
            case UNEXPECTED_STOP -> "Your trip has been stopped for a while";
            case ROUTE_DEVIATION -> "Your trip has left its expected route";
            case GPS_SILENCE -> "We lost your trip's location";
            case EARLY_END -> "Your trip ended away from its destination";
            case SPEED -> "Your trip is going unusually fast";
        };
    }
}
