package com.hushryd.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hushryd.realtime.engineio.Frame;
import com.hushryd.realtime.socketio.Packet;
import com.hushryd.realtime.socketio.ParseException;
import com.hushryd.realtime.socketio.Parser;
import com.hushryd.realtime.socketio.Encoder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Socket.IO v5 packets as the gateway handles them: {@link Encoder#event} builds the Engine.IO frames of an event once
 * per broadcast, {@link Parser#decode} (plus {@link Parser#reassemble} for binary events) reads every packet a client
 * sends. The payload is the fan-out fixture's: {@code ["publish","room-3",{"t":...,"p":"xxx..."}]} with
 * {@code payload} padding bytes; {@code binary} carries the padding as one binary attachment instead.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PacketCodecBenchmark {
    @Param({"text", "binary"})
    String kind;

    @Param({"100", "1000"})
    int payload;

    private JsonNode message;
    private String inbound;
    private List<byte[]> attachments;

    @Setup
    public void setUp() throws ParseException {
        ObjectNode m = JsonNodeFactory.instance.objectNode().put("t", 1_234_567_890_123L);
        String pad = "x".repeat(payload);
        if (kind.equals("binary")) {
            m.set("p", BinaryNode.valueOf(pad.getBytes()));
        } else {
            m.put("p", pad);
        }
        message = m;
        List<Frame> frames = Encoder.event("/", -1, "publish", "room-3", m);
        // what the server reads: the text frame without its Engine.IO type character, then the attachments
        inbound = new String(frames.get(0).bytes(), 1, frames.get(0).bytes().length - 1,
                java.nio.charset.StandardCharsets.UTF_8);
        attachments = frames.subList(1, frames.size()).stream().map(Frame::bytes).toList();
        if (decode() == null) {
            throw new IllegalStateException("decode failed");
        }
    }

    @Benchmark
    public List<Frame> encode() {
        return Encoder.event("/", -1, "msg", message);
    }

    @Benchmark
    public JsonNode decode() throws ParseException {
        Packet p = Parser.decode(inbound);
        return p.attachments() == 0 ? p.data() : Parser.reassemble(p.data(), attachments);
    }
}
