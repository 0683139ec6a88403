package com.hushryd.bench.sim;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the nodes acknowledged to the simulator, one tab-separated line per create: {@code trip <id> <seats>},
 * {@code booking <id> <tripId>}, {@code sos <alertId> <idempotencyKey>}, {@code chat <conversationId>
 * <clientMessageId>}. A chaos run checks each line against PostgreSQL afterwards, so that "nothing acknowledged was
 * lost" is judged from the database and not from the simulator's counters. Thread-safe; flushed every second by the
 * simulation's sweeper and when closed.
 */
final class AckLog implements AutoCloseable {
    static final String TRIP = "trip";
    static final String BOOKING = "booking";
    static final String SOS = "sos";
    static final String CHAT = "chat";

    private final BufferedWriter out;

    private AckLog(BufferedWriter out) {
        this.out = out;
    }

    static AckLog open(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return new AckLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8));
    }

    synchronized void acknowledged(String kind, String id, String detail) {
        try {
            out.write(kind + '\t' + id + '\t' + detail + '\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the acknowledgement log", e);
        }
    }

    synchronized void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the acknowledgement log", e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
