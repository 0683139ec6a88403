package com.hushryd.trips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hushryd.common.ApiException;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CursorTest {
    @Test
    void encodedCursor_decodesToTheSamePosition() {
        Cursor c = new Cursor(Instant.parse("2026-12-01T04:00:00.123456Z"), UUID.randomUUID());
        assertThat(Cursor.decode(c.encode())).isEqualTo(c);
    }

    @Test
    void cursorBeforeEpoch_roundTrips() {
        Cursor c = new Cursor(Instant.parse("1969-12-31T23:59:59.999999Z"), UUID.randomUUID());
        assertThat(Cursor.decode(c.encode())).isEqualTo(c);
    }

    @ParameterizedTest
    @ValueSource(longs = {Long.MIN_VALUE, Long.MAX_VALUE, -62_135_596_800_000_001L, 253_402_300_800_000_000L})
    void cursorOutsidePostgresTimestamps_isA400(long micros) {
        String raw = "1|" + micros + "|" + UUID.randomUUID();
        String value = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThatThrownBy(() -> Cursor.decode(value)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo("INVALID_CURSOR"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "!!!", "MXwxMjN8eHl6", "bm9wZQ", "MnwxfDAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA"})
    void foreignCursor_isA400NamingTheCursor(String value) {
        assertThatThrownBy(() -> Cursor.decode(value)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.code()).isEqualTo("INVALID_CURSOR");
            assertThat(e.details()).containsEntry("field", "cursor");
        });
    }

    @Test
    void cityKey_ignoresCaseAndSpacing() {
        assertThat(CityKey.of("  New   Delhi ")).isEqualTo(CityKey.of("new delhi"));
    }
}
