package com.hushryd.jobs.outbox;

import com.hushryd.jobs.Enqueued;
import com.hushryd.jobs.JobJson;
import com.hushryd.jobs.JobQueue;
import com.hushryd.jobs.JobRequest;
import com.hushryd.jobs.postgres.PgLedger;
import com.hushryd.store.Ids;
import com.hushryd.store.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The transactional outbox: a job enqueued for Redis or RabbitMQ inside a caller's PostgreSQL transaction is written
 * to {@code job_outbox} in that transaction, so it exists exactly when the caller's rows do; {@link OutboxRelay}
 * moves committed rows to the engine. See decision 0006.
 */
public final class JobOutbox {
    public static final String CHANNEL = "hushryd_outbox";

    private JobOutbox() {
    }

    /**
     * Enqueues through the outbox in the caller's transaction: claims the idempotency key (in PostgreSQL, in the same
     * transaction), writes the row and answers with the engine's current position for the job.
     */
    public static Enqueued enqueue(Connection tx, JobRequest job, ToLongFunction<JobRequest> position,
            ToDoubleFunction<String> rate) throws SQLException {
        UUID id = Ids.newId();
        boolean duplicate = false;
        if (job.idempotencyKey() != null) {
            Optional<UUID> existing = PgLedger.claimKey(tx, job.queue(), job.idempotencyKey(), id);
            if (existing.isPresent()) {
                id = existing.get();
                duplicate = true;
            }
        }
        if (!duplicate) {
            write(tx, id, job);
        }
        long ahead = position.applyAsLong(job);
        return new Enqueued(id, ahead, JobQueue.estimate(ahead, rate.applyAsDouble(job.queue())), duplicate);
    }

    public static void write(Connection tx, UUID jobId, JobRequest job) throws SQLException {
        Jdbc.update(tx, "INSERT INTO job_outbox (job_id, request) VALUES (?, ?::jsonb)", jobId, JobJson.write(job));
        Jdbc.one(tx, "SELECT pg_notify(?, '')", rs -> 1, CHANNEL);
    }
}
