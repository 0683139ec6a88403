package com.hushryd.realtime.socketio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.util.RawValue;
import com.hushryd.common.Json;
import com.hushryd.realtime.engineio.Frame;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Packets of pre-encoded JSON are written without the mapper, byte for byte as the mapper writes them. */
class EncoderTest {
    private static final String LOCATION = "{\"tripId\":\"01a2006c-3143-7b0f-9f06-7f029dc1ffa3\",\"lat\":12.9716,"
            + "\"lng\":77.5946,\"speed\":40.0,\"heading\":null,\"timestamp\":\"2026-11-21T23:30:00.123Z\"}";

    @Test
    void event_rawArgument_sameBytesAsTheMapper() throws Exception {
        for (String namespace : List.of("/", "/admin")) {
            for (long ackId : new long[] {-1, 0, 17, 123456789012345L}) {
                for (Object[] args : List.of(new Object[] {new RawValue(LOCATION)}, new Object[] {},
                        new Object[] {new RawValue(LOCATION), "second", new RawValue("[1,2]")})) {
                    List<Frame> frames = Encoder.event(namespace, ackId, "location:update", args);
                    Object[] all = new Object[args.length + 1];
                    all[0] = "location:update";
                    System.arraycopy(args, 0, all, 1, args.length);
                    assertThat(frames).hasSize(1);
                    assertThat(text(frames)).isEqualTo(expected('2', namespace, ackId, all));
                }
            }
        }
    }

    @Test
    void ack_rawArgument_sameBytesAsTheMapper() throws Exception {
        RawValue ok = new RawValue("{\"ok\":true,\"data\":" + LOCATION + "}");
        assertThat(text(Encoder.ack("/", 5, ok))).isEqualTo(expected('3', "/", 5, new Object[] {ok}));
        assertThat(text(Encoder.ack("/", 6, ok))).isEqualTo(text(Encoder.ack("/", 6, Json.MAPPER.readTree(ok.rawValue()
                .toString()))));
    }

    @Test
    void event_namesThatNeedEscaping_stillWrittenByTheMapper() throws Exception {
        for (String name : List.of("quote\"d", "back\\slash", "tab\t", "caf\u00e9", "\u2028", "emoji\ud83d\ude97")) {
            Object[] all = {name, new RawValue(LOCATION)};
            assertThat(text(Encoder.event("/", -1, name, new RawValue(LOCATION))))
                    .isEqualTo(expected('2', "/", -1, all));
        }
    }

    @Test
    void event_otherArguments_unchanged() throws Exception {
        Object[] all = {"e", Map.of("a", 1), "s"};
        assertThat(text(Encoder.event("/", 3, "e", Map.of("a", 1), "s"))).isEqualTo(expected('2', "/", 3, all));
        assertThat(Encoder.event("/", -1, "e", new RawValue(LOCATION), new byte[] {1, 2})).hasSize(2);
    }

    private static String text(List<Frame> frames) {
        return new String(frames.get(0).bytes(), StandardCharsets.UTF_8);
    }

    private static String expected(char type, String namespace, long ackId, Object[] all) throws Exception {
        return "4" + type + ("/".equals(namespace) ? "" : namespace + ",") + (ackId >= 0 ? Long.toString(ackId) : "")
                + new String(Json.MAPPER.writeValueAsBytes(all), StandardCharsets.UTF_8);
    }
}
