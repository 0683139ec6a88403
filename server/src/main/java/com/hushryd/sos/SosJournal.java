package com.hushryd.sos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's durable record of SOS alerts raised while PostgreSQL could not take them (decision 0044): an
 * append-only file under {@code DATA_DIR/sos/}, one line per record, {@code <crc32 hex> <json>}. An alert is on disk
 * (fdatasync) before {@link #append} returns, so its 201 means what it means with PostgreSQL: persisted. A
 * {@code stored} record follows once the alert is in PostgreSQL; the file is emptied when nothing is pending. At
 * start the file is read back: a torn last line (a crash mid-append, never acknowledged) and lines failing their
 * checksum are skipped and logged. One process owns the file (a lock). Thread-safe.
 */
final class SosJournal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SosJournal.class);
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** An alert accepted while the database was unavailable, with what storing it later needs. */
    record Entry(UUID id, UUID userId, boolean admin, UUID tripId, Double lat, Double lng, Double accuracy,
            String message, String idempotencyKey, Instant at, Instant escalateAt) {
    }

    private record Line(String op, Entry alert, UUID id) {
    }

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Map<UUID, Entry> pending = new LinkedHashMap<>();

    private SosJournal(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Opens (creating) {@code dir/journal.log} and reads back the alerts not yet stored. */
    static SosJournal open(Path dir) throws IOException {
        boolean newDir = !Files.isDirectory(dir);
        Files.createDirectories(dir);
        Path file = dir.resolve("journal.log");
        boolean newFile = !Files.exists(file);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("the SOS journal " + file + " is in use by another HushRyd process; give each node "
                    + "its own DATA_DIR");
        }
        // the file's (and its directory's) names must be durable before the first record relies on them
        if (newDir) {
            syncDirectory(dir.getParent());
        }
        if (newFile) {
            syncDirectory(dir);
        }
        SosJournal journal = new SosJournal(file, channel, lock);
        journal.load();
        return journal;
    }

    private void load() throws IOException {
        byte[] all = Files.readAllBytes(file);
        int start = 0;
        int skipped = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] != '\n') {
                continue;
            }
            String line = new String(all, start, i - start, StandardCharsets.UTF_8);
            start = i + 1;
            Line l = parse(line);
            if (l == null) {
                skipped++;
                continue;
            }
            if (l.op().equals("alert")) {
                pending.put(l.alert().id(), l.alert());
            } else if (l.op().equals("stored")) {
                pending.remove(l.id());
            }
        }
        if (start < all.length) {
            // an append cut short by a crash: never acknowledged, so dropping it loses nothing promised
            log.warn("SOS journal {}: ignoring an incomplete last record ({} bytes)", file, all.length - start);
            channel.truncate(start);
            channel.force(true);
        }
        if (skipped > 0) {
            log.error("SOS journal {}: {} record(s) failed their checksum and were skipped", file, skipped);
        }
        channel.position(channel.size());
        if (!pending.isEmpty()) {
            log.warn("SOS journal {}: {} alert(s) raised while the database was unavailable are not stored in it "
                    + "yet; storing them as soon as it answers", file, pending.size());
        }
    }

    private static Line parse(String line) {
        int space = line.indexOf(' ');
        if (space != 8) {
            return null;
        }
        String json = line.substring(space + 1);
        try {
            if (Long.parseLong(line.substring(0, space), 16) != crc(json)) {
                return null;
            }
            JsonNode n = JSON.readTree(json);
            String op = n.path("op").asText();
            if (op.equals("alert")) {
                return new Line(op, JSON.treeToValue(n.path("alert"), Entry.class), null);
            }
            if (op.equals("stored")) {
                return new Line(op, null, UUID.fromString(n.path("id").asText()));
            }
            return null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    private static long crc(String json) {
        CRC32 crc = new CRC32();
        crc.update(json.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    /** Appends the alert and forces it to disk; it is pending from then on. */
    synchronized void append(Entry e) throws IOException {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("op", "alert");
        record.put("alert", e);
        write(record);
        channel.force(false);
        pending.put(e.id(), e);
    }

    /** The alert is in PostgreSQL: no longer pending (the file is emptied once none is). */
    synchronized void stored(UUID id) throws IOException {
        if (pending.remove(id) == null) {
            return;
        }
        if (pending.isEmpty()) {
            channel.truncate(0);
            channel.position(0);
            channel.force(true);
            return;
        }
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("op", "stored");
        record.put("id", id);
        write(record);
        channel.force(false);
    }

    private void write(Map<String, Object> record) throws IOException {
        String json = JSON.writeValueAsString(record);
        ByteBuffer buf = ByteBuffer.wrap((String.format("%08x", crc(json)) + " " + json + "\n")
                .getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    synchronized List<Entry> pending() {
        return new ArrayList<>(pending.values());
    }

    synchronized boolean isEmpty() {
        return pending.isEmpty();
    }

    /** The user's pending alert (one open alert per user, as in PostgreSQL). */
    synchronized Optional<Entry> pendingOf(UUID userId) {
        return pending.values().stream().filter(e -> e.userId().equals(userId)).findFirst();
    }

    Path file() {
        return file;
    }

    private static void syncDirectory(Path dir) {
        if (dir == null) {
            return;
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            log.debug("cannot fsync directory {}: {}", dir, e.toString());
        }
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
