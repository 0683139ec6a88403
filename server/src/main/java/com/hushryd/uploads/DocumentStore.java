package com.hushryd.uploads;

import com.hushryd.store.Jdbc;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** SQL for documents. Every method runs on the caller's connection. */
final class DocumentStore {
    private static final String COLUMNS = "id, user_id, object_key, document_type, content_type, size_bytes, status, "
            + "reason, job_id, sha256, metadata::text AS metadata, thumbnail_key, attempts, created_at, updated_at, "
            + "processed_at";

    private DocumentStore() {
    }

    /** Inserts a pending document unless its key has one; returns whether it did. */
    static boolean insertPending(Connection c, UUID id, UUID userId, DocumentKey key, long size, Instant now)
            throws SQLException {
        return Jdbc.update(c, "INSERT INTO documents (id, user_id, object_key, document_type, content_type, size_bytes, "
                + "status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?) "
                + "ON CONFLICT (object_key) DO NOTHING", id, userId, key.key(), key.type(),
                key.fileType().contentType(), size, now, now) == 1;
    }

    static void setJob(Connection c, UUID id, UUID jobId) throws SQLException {
        Jdbc.update(c, "UPDATE documents SET job_id = ? WHERE id = ?", jobId, id);
    }

    static Optional<Document> byKey(Connection c, String key) throws SQLException {
        return Jdbc.one(c, "SELECT " + COLUMNS + " FROM documents WHERE object_key = ?", DocumentStore::row, key);
    }

    static Optional<Document> byId(Connection c, UUID id) throws SQLException {
        return Jdbc.one(c, "SELECT " + COLUMNS + " FROM documents WHERE id = ?", DocumentStore::row, id);
    }

    /** A user's documents, newest first, after the cursor's id; one more than {@code limit} tells there is more. */
    static List<Document> list(Connection c, UUID userId, DocumentStatus status, UUID before, int limit)
            throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM documents WHERE user_id = ?");
        List<Object> params = new ArrayList<>();
        params.add(userId);
        if (status != null) {
            sql.append(" AND status = ?");
            params.add(status);
        }
        if (before != null) {
            sql.append(" AND id < ?");
            params.add(before);
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        params.add(limit + 1);
        return Jdbc.list(c, sql.toString(), DocumentStore::row, params.toArray());
    }

    /** Moves a document that is not final to processing; returns whether it did. */
    static boolean startProcessing(Connection c, UUID id, Instant now) throws SQLException {
        return Jdbc.update(c, "UPDATE documents SET status = 'processing', attempts = attempts + 1, updated_at = ? "
                + "WHERE id = ? AND status IN ('pending', 'processing')", now, id) == 1;
    }

    /** Records the outcome of processing; returns false when another attempt recorded one first. */
    static boolean finish(Connection c, UUID id, DocumentStatus status, String reason, String sha256,
            String metadataJson, String thumbnailKey, Instant now) throws SQLException {
        return Jdbc.update(c, "UPDATE documents SET status = ?, reason = ?, sha256 = ?, metadata = ?::jsonb, "
                + "thumbnail_key = ?, last_error = NULL, processed_at = ?, updated_at = ? "
                + "WHERE id = ? AND status = 'processing'", status, reason, sha256, metadataJson, thumbnailKey, now,
                now, id) == 1;
    }

    /** An attempt failed for a passing reason: back to pending (the job is retried) with the error kept. */
    static void attemptFailed(Connection c, UUID id, String error, Instant now) throws SQLException {
        Jdbc.update(c, "UPDATE documents SET status = 'pending', last_error = ?, updated_at = ? "
                + "WHERE id = ? AND status = 'processing'", error, now, id);
    }

    static boolean userExists(Connection c, UUID userId) throws SQLException {
        return Jdbc.one(c, "SELECT 1 FROM users WHERE id = ?", rs -> true, userId).isPresent();
    }

    private static Document row(ResultSet rs) throws SQLException {
        return new Document(Jdbc.uuid(rs, "id"), Jdbc.uuid(rs, "user_id"), rs.getString("object_key"),
                DocumentType.fromJson(rs.getString("document_type")), rs.getString("content_type"),
                rs.getLong("size_bytes"), DocumentStatus.fromJson(rs.getString("status")), rs.getString("reason"),
                Jdbc.uuid(rs, "job_id"), rs.getString("sha256"), rs.getString("metadata"),
                rs.getString("thumbnail_key"), rs.getInt("attempts"), Jdbc.instant(rs, "created_at"),
                Jdbc.instant(rs, "updated_at"), Jdbc.instant(rs, "processed_at"));
    }
}
