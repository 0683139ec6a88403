package com.hushryd.uploads;

import com.hushryd.common.Json;
import com.hushryd.jobs.JobContext;
import com.hushryd.jobs.JobHandlers;
import com.hushryd.jobs.Priority;
import com.hushryd.notify.Channel;
import com.hushryd.notify.Notification;
import com.hushryd.notify.Notifications;
import com.hushryd.store.Database;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code process-document} job: copies the object to a temporary file (hashing it with SHA-256 on the way),
 * inspects it ({@link DocumentInspector}), stores the thumbnail, and records verified or rejected together with the
 * in-app notification to the uploader (one transaction). Idempotent: a final document is left alone, the thumbnail
 * key is fixed, and only the attempt that moves the document out of {@code processing} notifies. An attempt that
 * fails for a passing reason (the store or the database does not answer) puts the document back to pending and
 * throws, so the queue retries it.
 */
public final class DocumentProcessor {
    private static final Logger log = LoggerFactory.getLogger(DocumentProcessor.class);

    private final Database db;
    private final ObjectStore store;
    private final Notifications notifications;
    private final DocumentInspector inspector;
    private final UploadMetrics metrics;
    private final Clock clock;

    public DocumentProcessor(Database db, ObjectStore store, Notifications notifications, DocumentInspector inspector,
            UploadMetrics metrics, Clock clock) {
        this.db = db;
        this.store = store;
        this.notifications = notifications;
        this.inspector = inspector;
        this.metrics = metrics;
        this.clock = clock;
    }

    public void register(JobHandlers handlers) {
        handlers.register(DocumentService.JOB_TYPE, this::process);
    }

    private record Verdict(DocumentStatus status, String reason, String sha256, String metadata, String thumbnailKey) {
    }

    void process(JobContext ctx) throws Exception {
        UUID id = ctx.payload(DocumentService.ProcessJob.class).documentId();
        long t0 = System.nanoTime();
        Document d = db.read(c -> DocumentStore.byId(c, id)).orElse(null);
        if (d == null) {
            log.warn("document {} of job {} does not exist; nothing to process", id, ctx.jobId());
            return;
        }
        if (d.status().isFinal() || !db.read(c -> DocumentStore.startProcessing(c, id, now()))) {
            return;
        }
        Verdict v;
        try {
            v = examine(d);
        } catch (Exception e) {
            db.read(c -> {
                DocumentStore.attemptFailed(c, id, e.toString(), now());
                return null;
            });
            metrics.processed("error", System.nanoTime() - t0);
            throw e;
        }
        boolean recorded = db.tx(c -> {
            if (!DocumentStore.finish(c, id, v.status(), v.reason(), v.sha256(), v.metadata(), v.thumbnailKey(),
                    now())) {
                return false;
            }
            notifications.send(c, notification(d, v), Priority.NORMAL);
            return true;
        });
        if (recorded) {
            metrics.processed(v.status().json(), System.nanoTime() - t0);
            log.info("document {} ({} of user {}) {}{}", id, d.documentType().json(), d.userId(), v.status().json(),
                    v.reason() == null ? "" : ": " + v.reason());
        }
    }

    private Verdict examine(Document d) throws IOException {
        DocumentKey key = DocumentKey.parse(d.key());
        FileType type = FileType.ofContentType(d.contentType());
        Path tmp = Files.createTempFile("hushryd-document", ".bin");
        try {
            String sha256;
            try (InputStream in = store.open(d.key()); OutputStream out = Files.newOutputStream(tmp)) {
                MessageDigest digest = sha256();
                DigestOutputStream hashed = new DigestOutputStream(out, digest);
                in.transferTo(hashed);
                hashed.flush();
                sha256 = HexFormat.of().formatHex(digest.digest());
            } catch (ObjectStoreException.NotFound e) {
                return new Verdict(DocumentStatus.REJECTED, "the uploaded file is no longer in the store", null,
                        null, null);
            }
            DocumentInspector.Result r = inspector.inspect(tmp, type);
            Map<String, Object> meta = new LinkedHashMap<>(r.metadata());
            String thumbnailKey = null;
            if (r.thumbnail() != null) {
                thumbnailKey = key.thumbnailKey();
                store.put(thumbnailKey, "image/jpeg", r.thumbnail());
            }
            return new Verdict(r.accepted() ? DocumentStatus.VERIFIED : DocumentStatus.REJECTED, r.reason(), sha256,
                    new String(Json.bytes(meta), java.nio.charset.StandardCharsets.UTF_8), thumbnailKey);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static Notification notification(Document d, Verdict v) {
        boolean ok = v.status() == DocumentStatus.VERIFIED;
        String what = switch (d.documentType()) {
            case LICENCE -> "driving licence";
            case RC -> "registration certificate (RC)";
            case INSURANCE -> "insurance document";
            case ID -> "identity document";
        };
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("documentId", d.id().toString());
        data.put("documentType", d.documentType().json());
        data.put("key", d.key());
        data.put("status", v.status().json());
        if (v.reason() != null) {
            data.put("reason", v.reason());
        }
        return new Notification(Channel.IN_APP, d.userId().toString(), d.userId(),
                ok ? "Document verified" : "Document rejected",
                ok ? "Your " + what + " passed the automatic checks." : "Your " + what + " was rejected: "
                        + v.reason() + ". Please upload it again.",
                ok ? "document.verified" : "document.rejected", data);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
