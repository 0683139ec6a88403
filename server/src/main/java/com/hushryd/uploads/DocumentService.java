package com.hushryd.uploads;

import com.hushryd.auth.Principal;
import com.hushryd.auth.Role;
import com.hushryd.common.ApiException;
import com.hushryd.http.Reply;
import com.hushryd.idempotency.IdempotentCall;
import com.hushryd.idempotency.Outcome;
import com.hushryd.common.Validator;
import com.hushryd.jobs.JobJson;
import com.hushryd.jobs.JobProducer;
import com.hushryd.jobs.JobRequest;
import com.hushryd.store.Database;
import com.hushryd.store.Ids;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Document uploads: presigned upload URLs (stateless: nothing is stored until the upload is completed), completion
 * (the document row and its processing job commit together), and the lists of a user's documents. Blocking; call
 * from worker threads.
 */
public final class DocumentService {
    /** The queue of document processing jobs. */
    public static final String QUEUE = "document-processing";
    /** The job type that processes one document ({@link DocumentProcessor}). */
    public static final String JOB_TYPE = "process-document";

    private final Database db;
    private final ObjectStore store;
    private final JobProducer jobs;
    private final UploadSettings settings;
    private final UploadMetrics metrics;
    private final Clock clock;

    public DocumentService(Database db, ObjectStore store, JobProducer jobs, UploadSettings settings,
            UploadMetrics metrics, Clock clock) {
        this.db = db;
        this.store = store;
        this.jobs = jobs;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** The body of {@code POST /documents/upload-url}. */
    public record UploadUrlInput(String documentType, String contentType, Long size) {
    }

    /**
     * Where and how to upload: {@code PUT} the file's bytes to {@code uploadUrl} with {@code headers} before
     * {@code expiresAt}, then complete {@code key}.
     */
    public record UploadUrl(String uploadUrl, String method, String key, Instant expiresAt,
            Map<String, String> headers, long maxSize) {
    }

    /** The job payload of one document. */
    public record ProcessJob(UUID documentId) {
    }

    public record DocumentPage(List<Document> items, String nextCursor) {
    }

    /** An upload URL; the per-user quota (RATE_LIMIT_UPLOAD) was taken by the route's admission. */
    public UploadUrl uploadUrl(Principal p, UploadUrlInput in, URI origin) {
        if (p.role() == Role.ADMIN) {
            throw ApiException.forbidden("admins do not upload documents");
        }
        metrics.uploadUrl();
        Validator v = new Validator();
        DocumentType type = null;
        if (in.documentType() == null) {
            v.fail("documentType", "is required");
        } else {
            type = DocumentType.fromJson(in.documentType());
            v.check(type != null, "documentType", "must be one of "
                    + Arrays.stream(DocumentType.values()).map(DocumentType::json).toList());
        }
        FileType fileType = null;
        if (in.contentType() == null) {
            v.fail("contentType", "is required");
        } else {
            fileType = FileType.ofContentType(in.contentType());
            v.check(fileType != null, "contentType", "must be one of "
                    + Arrays.stream(FileType.values()).map(FileType::contentType).toList());
        }
        if (in.size() == null) {
            v.fail("size", "is required");
        } else {
            v.check(in.size() >= 1 && in.size() <= settings.maxSize(), "size",
                    "must be between 1 and " + settings.maxSize() + " bytes");
        }
        v.throwIfInvalid();
        if (type.driversOnly() && p.role() != Role.DRIVER) {
            throw ApiException.forbidden("only drivers upload " + type.json() + " documents");
        }
        Instant now = clock.instant();
        DocumentKey key = DocumentKey.generate(p.userId(), type, fileType, now);
        Instant expiresAt = now.plus(settings.urlTtl()).truncatedTo(ChronoUnit.SECONDS);
        PresignedPut put = store.presignPut(new PutRequest(key.key(), fileType.contentType(), in.size(), expiresAt,
                origin));
        return new UploadUrl(put.url().toString(), "PUT", key.key(), put.expiresAt(), put.headers(),
                settings.maxSize());
    }

    /**
     * Completes an upload: the object must exist and be the caller's. Creates the pending document and enqueues its
     * processing in one transaction. Completing again while the document is pending or processing answers the same
     * job (the enqueue is idempotent on the key); once it is verified or rejected, it is a 409.
     */
    public JobProducer.Receipt complete(Principal p, String rawKey) throws SQLException {
        return complete(p, rawKey, IdempotentCall.NONE).value();
    }

    /**
     * {@link #complete(Principal, String)} answering 202; a retry of a keyed {@code call} answers the first call's
     * reply, also once the document was processed (decision 0052).
     */
    public Outcome<JobProducer.Receipt> complete(Principal p, String rawKey, IdempotentCall call) throws SQLException {
        DocumentKey key = DocumentKey.parse(rawKey);
        if (key == null) {
            throw ApiException.invalid("key", "must be a key issued by POST /api/v1/documents/upload-url "
                    + "(URL-encoded in the path)");
        }
        if (!key.userId().equals(p.userId())) {
            throw ApiException.forbidden("this upload belongs to another user");
        }
        Optional<Outcome<JobProducer.Receipt>> earlier = call.replay(db);
        if (earlier.isPresent()) {
            return earlier.get();
        }
        Document existing = db.read(c -> DocumentStore.byKey(c, key.key())).orElse(null);
        if (existing != null && existing.status().isFinal()) {
            throw ApiException.conflict("DOCUMENT_ALREADY_PROCESSED", "this document was already processed: "
                    + existing.status().json(), Map.of("documentId", existing.id().toString(),
                            "status", existing.status().json()));
        }
        long size;
        if (existing != null) {
            size = existing.size();
        } else {
            ObjectInfo info = store.stat(key.key()).orElseThrow(() -> new ApiException(404, "UPLOAD_NOT_FOUND",
                    "nothing was uploaded to this key yet: PUT the file to its uploadUrl first"));
            size = info.size();
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return db.tx(x -> call.run(x, c -> {
            UUID id = Ids.newId();
            boolean inserted = DocumentStore.insertPending(c, id, p.userId(), key, size, now);
            UUID documentId = inserted ? id : DocumentStore.byKey(c, key.key()).orElseThrow().id();
            JobProducer.Receipt receipt = jobs.submit(c, job(documentId, key.key()));
            if (inserted) {
                DocumentStore.setJob(c, documentId, receipt.jobId());
            }
            return receipt;
        }, Reply::accepted));
    }

    static JobRequest job(UUID documentId, String key) {
        return JobRequest.of(QUEUE, JOB_TYPE, JobJson.write(new ProcessJob(documentId)))
                .withIdempotencyKey("document:" + key)
                .withRetention(100, 50);
    }

    /** The caller's documents, newest first. */
    public DocumentPage list(Principal p, String status, Integer limit, String cursor) throws SQLException {
        return page(p.userId(), status, limit, cursor);
    }

    /** A user's documents, for admins; 404 when there is no such user. */
    public DocumentPage listOf(UUID userId, String status, Integer limit, String cursor) throws SQLException {
        if (!db.read(c -> DocumentStore.userExists(c, userId))) {
            throw ApiException.notFound("user");
        }
        return page(userId, status, limit, cursor);
    }

    private DocumentPage page(UUID userId, String status, Integer limit, String cursor) throws SQLException {
        DocumentStatus s = null;
        if (status != null) {
            s = DocumentStatus.fromJson(status);
            if (s == null) {
                throw ApiException.invalid("status", "must be one of "
                        + Arrays.stream(DocumentStatus.values()).map(DocumentStatus::json).toList());
            }
        }
        UUID before = cursor == null ? null : decodeCursor(cursor);
        int n = limit == null ? 20 : limit;
        DocumentStatus filter = s;
        List<Document> rows = db.read(c -> DocumentStore.list(c, userId, filter, before, n));
        if (rows.size() > n) {
            List<Document> items = rows.subList(0, n);
            return new DocumentPage(List.copyOf(items), encodeCursor(items.get(n - 1).id()));
        }
        return new DocumentPage(rows, null);
    }

    private static String encodeCursor(UUID id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("d1|" + id).getBytes(StandardCharsets.UTF_8));
    }

    private static UUID decodeCursor(String cursor) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (raw.startsWith("d1|") && raw.length() == 39) {
                return UUID.fromString(raw.substring(3));
            }
        } catch (IllegalArgumentException e) {
            // fall through to the 400
        }
        throw new ApiException(400, "INVALID_CURSOR", "cursor: not a cursor this server issued",
                Map.of("field", "cursor"), null);
    }
}
