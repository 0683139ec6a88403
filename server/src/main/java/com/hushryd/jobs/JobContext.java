package com.hushryd.jobs;

import java.util.UUID;

/** One attempt of a job as its handler sees it. */
public record JobContext(UUID jobId, String queue, String type, String payload, int attempt, int maxAttempts,
        String worker) {
    /** The payload read into {@code type} (lenient: unknown fields are ignored). */
    public <T> T payload(Class<T> type) {
        return JobJson.read(payload, type);
    }
}
