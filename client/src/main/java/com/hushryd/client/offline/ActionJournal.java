package com.hushryd.client.offline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The queue's file: one JSON line per event, {@code add} (an action) or {@code done} (its outcome), each appended and
 * forced to the disk ({@code fsync}) before the call that wrote it returns, so an action the app was told is queued
 * survives the process being killed and the phone losing power. Reading back skips a torn last line (a crash during
 * the write, before anything was acknowledged). On open the file is compacted to the pending actions (written to a
 * new file, forced, then atomically renamed over the old). Not thread-safe: the queue serialises access.
 */
final class ActionJournal implements AutoCloseable {
    private final Path file;
    private final ObjectMapper json;
    private FileChannel channel;
    private FileChannel lockChannel;
    private FileLock lock;
    private long doneSinceCompaction;

    private ActionJournal(Path file, ObjectMapper json) {
        this.file = file;
        this.json = json;
    }

    /**
     * Opens (or creates) the journal and returns it with the actions still pending, in order. One queue at a time
     * may hold a journal (a lock file next to it, released when the queue closes or its process dies): two senders
     * would each send the same actions.
     */
    static ActionJournal open(Path file, ObjectMapper json, List<QueuedAction> pending) throws IOException {
        ActionJournal j = new ActionJournal(file, json);
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        j.lockChannel = FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            j.lock = j.lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            j.lock = null;
        }
        if (j.lock == null) {
            j.lockChannel.close();
            throw new IOException(file + " is in use by another offline queue (of this or another process)");
        }
        pending.addAll(j.read());
        j.rewrite(pending);
        j.channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        return j;
    }

    private List<QueuedAction> read() throws IOException {
        Map<Long, QueuedAction> pending = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return new ArrayList<>();
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            JsonNode e;
            try {
                e = json.readTree(line);
            } catch (JsonProcessingException torn) {
                if (i == lines.size() - 1) {
                    break; // the write a crash interrupted: never acknowledged
                }
                throw new IOException(file + " line " + (i + 1) + " is not a journal entry", torn);
            }
            if ("add".equals(e.path("t").asText())) {
                QueuedAction a = json.treeToValue(e.path("action"), QueuedAction.class);
                pending.put(a.seq(), a);
            } else if ("done".equals(e.path("t").asText())) {
                pending.remove(e.path("seq").asLong());
            }
        }
        return new ArrayList<>(pending.values());
    }

    /** Appends an action; returns once it is on the disk. */
    void add(QueuedAction a) {
        ObjectNode e = json.createObjectNode().put("t", "add");
        e.set("action", json.valueToTree(a));
        append(e);
    }

    /** Records that an action is finished (delivered, or refused for good); compacts now and then. */
    void done(long seq, String outcome, List<QueuedAction> stillPending) {
        append(json.createObjectNode().put("t", "done").put("seq", seq).put("outcome", outcome));
        if (++doneSinceCompaction >= 256 || stillPending.isEmpty() && doneSinceCompaction >= 16) {
            try {
                channel.close();
                rewrite(stillPending);
                channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                doneSinceCompaction = 0;
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot compact the offline queue " + file, ex);
            }
        }
    }

    private void append(JsonNode entry) {
        try {
            ByteBuffer buf = ByteBuffer.wrap((json.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the offline queue " + file, e);
        }
    }

    private void rewrite(List<QueuedAction> pending) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (QueuedAction a : pending) {
                ObjectNode e = json.createObjectNode().put("t", "add");
                e.set("action", json.valueToTree(a));
                ByteBuffer buf = ByteBuffer.wrap((json.writeValueAsString(e) + "\n")
                        .getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
            }
            out.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        forceDirectory();
    }

    /** Makes the rename durable (a no-op where directories cannot be opened, e.g. Windows). */
    private void forceDirectory() {
        Path dir = file.toAbsolutePath().getParent();
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // best effort
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            // closing only
        }
    }
}
