package com.hushryd.location;

import com.hushryd.common.Json;
import java.time.Instant;
import java.util.UUID;

/**
 * A driver's position on a trip at a moment.
 *
 * @param speed    km/h, or null
 * @param heading  degrees from north in [0, 360), or null
 * @param accuracy metres, or null
 */
public record Location(UUID tripId, UUID driverId, double lat, double lng, Double speed, Double heading,
        Double accuracy, Instant timestamp) implements Json.SelfWriting {

    /** The JSON the mapper writes for this record (written once per update: stored and broadcast as it is). */
    @Override
    public String json() {
        StringBuilder sb = new StringBuilder(200);
        sb.append("{\"tripId\":");
        quoted(sb, tripId);
        sb.append(",\"driverId\":");
        quoted(sb, driverId);
        sb.append(",\"lat\":").append(lat);
        sb.append(",\"lng\":").append(lng);
        sb.append(",\"speed\":").append(speed);
        sb.append(",\"heading\":").append(heading);
        sb.append(",\"accuracy\":").append(accuracy);
        sb.append(",\"timestamp\":");
        quoted(sb, timestamp);
        return sb.append('}').toString();
    }

    /** A UUID or an instant (ISO-8601 in UTC, as the mapper writes them: no character needs escaping), or null. */
    static void quoted(StringBuilder sb, Object value) {
        if (value == null) {
            sb.append("null");
        } else {
            sb.append('"').append(value).append('"');
        }
    }
}
