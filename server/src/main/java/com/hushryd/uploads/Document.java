package com.hushryd.uploads;

import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.Instant;
import java.util.UUID;

/**
 * An uploaded document as the API shows it.
 *
 * @param reason   why it was rejected (null otherwise)
 * @param sha256   hex digest of the bytes, once processed
 * @param metadata what processing found, as JSON: format, and width/height/thumbnail for images, version/pageCount
 *                 for PDFs; null until processed
 */
public record Document(UUID id, UUID userId, String key, DocumentType documentType, String contentType, long size,
        DocumentStatus status, String reason, UUID jobId, String sha256, @JsonRawValue String metadata,
        String thumbnailKey, int attempts, Instant createdAt, Instant updatedAt, Instant processedAt) {
}
