package com.hushryd.realtime.socketio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.hushryd.realtime.engineio.Frame;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParserTest {

    @Test
    void decode_readsTypeNamespaceAckIdAndPayload() throws Exception {
        Packet p = Parser.decode("2/admin,13[\"foo\",{\"a\":1}]");
        assertThat(p.type()).isEqualTo(PacketType.EVENT);
        assertThat(p.namespace()).isEqualTo("/admin");
        assertThat(p.ackId()).isEqualTo(13);
        assertThat(p.data().get(0).asText()).isEqualTo("foo");

        Packet bin = Parser.decode("52-/x,7[\"e\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
        assertThat(bin.type()).isEqualTo(PacketType.BINARY_EVENT);
        assertThat(bin.attachments()).isEqualTo(2);
        assertThat(bin.namespace()).isEqualTo("/x");
        assertThat(bin.ackId()).isEqualTo(7);

        assertThat(Parser.decode("0").namespace()).isEqualTo("/");
        assertThat(Parser.decode("0/custom,{\"token\":\"t\"}").data().path("token").asText()).isEqualTo("t");
        assertThat(Parser.decode("1/custom,").type()).isEqualTo(PacketType.DISCONNECT);
        assertThat(Parser.decode("30[]").ackId()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "7", "a", "2", "2{}", "2[]", "2[{}]", "2[\"connect\"]", "2[\"disconnect\",1]",
        "2abc[\"x\"]", "0[]", "0\"str\"", "1{}", "3{}", "3[1]", "5[\"x\"]", "5-[\"x\"]", "5x-[\"x\"]",
        "51-", "2[\"x\"", "01{}", "11", "21234567890123456[\"x\"]", "9999-[\"x\"]", "4[]"})
    void malformedPacket_isAParseException(String packet) {
        assertThatThrownBy(() -> Parser.decode(packet)).isInstanceOf(ParseException.class);
    }

    @Test
    void randomInput_neverThrowsAnythingButParseException() {
        Random random = new Random(20261121L);
        String alphabet = "0123456789-/,[]{}\":abcxyz_ \\";
        for (int i = 0; i < 50_000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = random.nextInt(24);
            for (int k = 0; k < len; k++) {
                sb.append(random.nextInt(10) == 0 ? (char) random.nextInt(0x2FF)
                        : alphabet.charAt(random.nextInt(alphabet.length())));
            }
            try {
                Parser.decode(sb.toString());
            } catch (ParseException expected) {
                // fine: malformed input is refused
            }
        }
    }

    @Test
    void reassemble_replacesPlaceholders_andRefusesOutOfRangeOnes() throws Exception {
        JsonNode data = Parser.decode("51-[\"e\",{\"file\":{\"_placeholder\":true,\"num\":0}}]").data();
        JsonNode full = Parser.reassemble(data, List.of(new byte[] {7, 8}));
        assertThat(full.get(1).path("file").binaryValue()).containsExactly(7, 8);
        JsonNode bad = Parser.decode("51-[\"e\",{\"_placeholder\":true,\"num\":3}]").data();
        assertThatThrownBy(() -> Parser.reassemble(bad, List.of(new byte[] {1})))
                .isInstanceOf(ParseException.class);
    }

    @Test
    void encoder_writesTheWireFormat() {
        assertThat(text(Encoder.event("/", -1, "hello", 1, "two"))).containsExactly("42[\"hello\",1,\"two\"]");
        assertThat(text(Encoder.event("/admin", 12, "x"))).containsExactly("42/admin,12[\"x\"]");
        assertThat(text(Encoder.ack("/", 5, Map.of("ok", true)))).containsExactly("435[{\"ok\":true}]");
        assertThat(text(Encoder.connect("/custom", "abc"))).containsExactly("40/custom,{\"sid\":\"abc\"}");
        assertThat(text(Encoder.connectError("/random", "Invalid namespace", null)))
                .containsExactly("44/random,{\"message\":\"Invalid namespace\"}");
        assertThat(text(Encoder.disconnect("/"))).containsExactly("41");
    }

    @Test
    void encoder_extractsBinaryAttachments() {
        List<Frame> frames = Encoder.event("/", -1, "file", new byte[] {1, 2},
                JsonNodeFactory.instance.objectNode().set("inner", JsonNodeFactory.instance.binaryNode(new byte[] {3})));
        assertThat(frames).hasSize(3);
        assertThat(frames.get(0).toString()).isEqualTo(
                "452-[\"file\",{\"_placeholder\":true,\"num\":0},{\"inner\":{\"_placeholder\":true,\"num\":1}}]");
        assertThat(frames.get(1).bytes()).containsExactly(1, 2);
        assertThat(frames.get(2).bytes()).containsExactly(3);
        List<Frame> ack = Encoder.ack("/", 9, (Object) new byte[] {5});
        assertThat(ack.get(0).toString()).isEqualTo("461-9[{\"_placeholder\":true,\"num\":0}]");
    }

    @Test
    void encodedEvents_decodeBackToTheSamePacket() throws Exception {
        List<Frame> frames = Encoder.event("/ns", 42, "evt", Map.of("k", List.of(1, 2)), "s");
        String wire = new String(frames.get(0).bytes(), StandardCharsets.UTF_8).substring(1);
        Packet p = Parser.decode(wire);
        assertThat(p.namespace()).isEqualTo("/ns");
        assertThat(p.ackId()).isEqualTo(42);
        assertThat(p.data().toString()).isEqualTo("[\"evt\",{\"k\":[1,2]},\"s\"]");
    }

    private static List<String> text(List<Frame> frames) {
        return frames.stream().map(Frame::toString).toList();
    }
}
