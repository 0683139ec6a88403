package com.hushryd.realtime.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hushryd.realtime.engineio.Frame;
import com.hushryd.realtime.socketio.Encoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
    private static final List<Frame> FRAMES = List.of(Frame.text("451-[\"doc\",{\"_placeholder\":true,\"num\":0}]"),
            Frame.binary(new byte[] {1, 2, 3}));

    @Test
    void numbered_asPublished_carriesItsOffsetAfterTheFrames_andAsStored_takesTheStreamsOffset() {
        byte[] stored = Envelope.numbered("node-1", FRAMES, "sock");
        byte[] published = concat(stored, "1733400000000123".getBytes(StandardCharsets.US_ASCII));
        Envelope.Decoded live = Envelope.decode(published);
        assertThat(live.offset()).isEqualTo(1733400000000123L);
        assertThat(live.exceptSocketId()).isEqualTo("sock");
        assertThat(live.frames()).hasSize(2);
        assertThat(Envelope.decode(stored, 42).offset()).isEqualTo(42);
        assertThat(Envelope.decode(Envelope.broadcast("n", FRAMES, null)).numbered()).isFalse();
        assertThatThrownBy(() -> Envelope.decode(stored)).as("numbered without an offset")
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Envelope.decode(concat(stored, "12x".getBytes(StandardCharsets.US_ASCII))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void withOffset_appendsTheOffsetAsTheLastArgument_ofPlainBinaryAndNamespacedEvents() {
        assertThat(Encoder.withOffset(List.of(Frame.text("42[\"a\",{\"x\":1}]")), 7).get(0).toString())
                .isEqualTo("42[\"a\",{\"x\":1},\"7\"]");
        assertThat(Encoder.withOffset(List.of(Frame.text("42/chat,[\"a\"]")), 8).get(0).toString())
                .isEqualTo("42/chat,[\"a\",\"8\"]");
        List<Frame> binary = Encoder.withOffset(FRAMES, 9);
        assertThat(binary.get(0).toString()).isEqualTo("451-[\"doc\",{\"_placeholder\":true,\"num\":0},\"9\"]");
        assertThat(binary.get(1)).isSameAs(FRAMES.get(1));
        assertThatThrownBy(() -> Encoder.withOffset(List.of(Frame.text("40")), 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
