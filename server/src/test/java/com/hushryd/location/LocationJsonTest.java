package com.hushryd.location;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.hushryd.common.ApiException;
import com.hushryd.common.Errors;
import com.hushryd.common.Json;
import com.hushryd.location.LocationService.TripLocationInput;
import com.hushryd.location.LocationService.UpdateResult;
import com.hushryd.realtime.Replies;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The hand-written JSON of the location hot path says exactly what the mapper says, for good and bad input alike. */
class LocationJsonTest {
    private static final double[] EDGES = {0, -0.0, 1, -1, 90, -90, 180, -180, 360, 359.9999999, 12.9716, 77.5946,
        1e-7, 1.0E-3, 0.001, 123456789.123, 1e7, 1e21, 4.9e-324, Double.MAX_VALUE, 0.1 + 0.2};

    @Test
    void locationJson_randomAndEdgeValues_sameAsTheMapper() throws Exception {
        Random random = new Random(16);
        for (int i = 0; i < 20_000; i++) {
            Location l = new Location(UUID.randomUUID(), UUID.randomUUID(), number(random), number(random),
                    maybe(random), maybe(random), maybe(random), instant(random));
            assertThat(l.json()).isEqualTo(Json.MAPPER.writeValueAsString(l));
            assertThat(Json.write(l)).isEqualTo(l.json());
        }
    }

    @Test
    void locationJson_readBack_sameLocation() {
        Location l = new Location(UUID.randomUUID(), UUID.randomUUID(), 12.9716, 77.5946, 40.0, null, 5.5,
                Instant.parse("2026-11-21T23:30:00.120Z"));
        assertThat(Json.MAPPER.convertValue(Json.MAPPER.valueToTree(l), Location.class)).isEqualTo(l);
        assertThat(Json.read(l.json().getBytes(java.nio.charset.StandardCharsets.UTF_8), Location.class)).isEqualTo(l);
    }

    @Test
    void locationArgument_wellFormed_sameInputAsTheMapper() throws Exception {
        String trip = "\"tripId\":\"01a2006c-3143-7b0f-9f06-7f029dc1ffa3\"";
        for (String arg : List.of(
                "{" + trip + ",\"lat\":12.9716,\"lng\":77.59,\"speed\":40,\"heading\":90,\"timestamp\":1764950000000}",
                "{" + trip + ",\"lat\":-90,\"lng\":180.0,\"speed\":null,\"heading\":359.5,\"accuracy\":3000000000,"
                        + "\"timestamp\":\"2026-12-05T18:00:00.123+05:30\"}",
                "{" + trip + ",\"lat\":1e2,\"lng\":-0.0,\"timestamp\":null}",
                "{" + trip + "}",
                "{}",
                "{\"tripId\":null,\"lat\":1}",
                "{\"lat\":1,\"lng\":2,\"timestamp\":{\"a\":1}}",
                "{\"lat\":1,\"lng\":2,\"timestamp\":[1]}",
                "{\"lat\":1,\"lng\":2,\"timestamp\":true}")) {
            ArrayNode args = args(arg);
            assertThat(LocationRoutes.locationArgument(args)).as(arg)
                    .isEqualTo(Replies.argument(args, TripLocationInput.class));
        }
    }

    @Test
    void locationArgument_illFormed_sameErrorAsTheMapper() throws Exception {
        for (String args : List.of("[]", "[1]", "[\"x\"]", "[null]", "[{},{}]", "[[]]",
                "[{\"tripId\":5}]", "[{\"tripId\":true}]", "[{\"tripId\":{}}]", "[{\"tripId\":[\"a\"]}]",
                "[{\"lat\":\"12.5\"}]", "[{\"lat\":true}]", "[{\"lat\":{}}]", "[{\"lat\":[1]}]", "[{\"lng\":\"\"}]",
                "[{\"speed\":\"fast\"}]", "[{\"heading\":false}]", "[{\"accuracy\":{\"m\":1}}]",
                "[{\"lat\":1,\"extra\":1}]", "[{\"tripid\":\"x\"}]",
                "[{\"lat\":123456789012345678901234567890}]")) {
            ArrayNode node = (ArrayNode) Json.MAPPER.readTree(args);
            ApiException expected = catchThrowableOfType(ApiException.class,
                    () -> Replies.argument(node, TripLocationInput.class));
            ApiException actual = catchThrowableOfType(ApiException.class,
                    () -> LocationRoutes.locationArgument(node));
            if (expected == null) {
                assertThat(actual).as(args).isNull();
                assertThat(LocationRoutes.locationArgument(node)).as(args)
                        .isEqualTo(Replies.argument(node, TripLocationInput.class));
            } else {
                assertThat(actual).as(args).isNotNull();
                assertThat(Errors.body(actual)).as(args).isEqualTo(Errors.body(expected));
                assertThat(actual.status()).as(args).isEqualTo(expected.status());
            }
        }
    }

    private static ArrayNode args(String object) throws Exception {
        return (ArrayNode) Json.MAPPER.readTree("[" + object + "]");
    }

    private static double number(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> EDGES[random.nextInt(EDGES.length)];
            case 1 -> (random.nextDouble() - 0.5) * 360;
            case 2 -> Math.round(random.nextDouble() * 1e6) / 1e4;
            default -> random.nextInt(1000) - 500;
        };
    }

    private static Double maybe(Random random) {
        return random.nextInt(5) == 0 ? null : Math.abs(number(random));
    }

    private static Instant instant(Random random) {
        long ms = 1_700_000_000_000L + (long) (random.nextDouble() * 100_000_000_000L);
        return switch (random.nextInt(3)) {
            case 0 -> Instant.ofEpochMilli(ms);
            case 1 -> Instant.ofEpochSecond(ms / 1000);
            default -> Instant.ofEpochMilli(ms - ms % 100);
        };
    }
}
