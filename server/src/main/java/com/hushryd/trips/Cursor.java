package com.hushryd.trips;

import com.hushryd.common.ApiException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * An opaque keyset position: the sort time and id of the last row of a page. Clients pass it back unchanged; a
 * cursor that does not decode is a 400.
 */
public record Cursor(Instant time, UUID id) {
    private static final String VERSION = "1";

    public String encode() {
        long micros = time.getEpochSecond() * 1_000_000L + time.getNano() / 1_000;
        String raw = VERSION + "|" + micros + "|" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    private static final Instant FIRST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant END = Instant.parse("+10000-01-01T00:00:00Z");

    public static Cursor decode(String value) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8);
            String[] parts = raw.split("\\|");
            if (parts.length == 3 && VERSION.equals(parts[0]) && parts[2].length() == 36) {
                long micros = Long.parseLong(parts[1]);
                Instant t = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                        Math.floorMod(micros, 1_000_000L) * 1_000L);
                if (!t.isBefore(FIRST) && t.isBefore(END)) { // outside, PostgreSQL refuses the timestamp
                    return new Cursor(t, UUID.fromString(parts[2]));
                }
            }
        } catch (IllegalArgumentException e) {
            // fall through to the 400
        }
        throw new ApiException(400, "INVALID_CURSOR", "cursor: not a cursor this server issued",
                java.util.Map.of("field", "cursor"), null);
    }
}
