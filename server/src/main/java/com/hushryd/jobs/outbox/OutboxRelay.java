package com.hushryd.jobs.outbox;

import com.hushryd.jobs.JobJson;
import com.hushryd.jobs.JobRequest;
import com.hushryd.jobs.Signal;
import com.hushryd.jobs.postgres.PgNotifier;
import com.hushryd.store.Database;
import com.hushryd.store.Jdbc;
import java.sql.Array;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves committed outbox rows into the queue engine. Runs on every node: each pass locks a batch with
 * {@code FOR UPDATE SKIP LOCKED} (so relays on several nodes never deliver the same rows at once), delivers each job
 * and waits for the engine's confirmation, and only then deletes the rows in the same transaction. A relay that dies
 * after delivering but before its commit leaves the rows to the next pass: the job is delivered at least once.
 * Woken by NOTIFY on commit, and sweeps every second for anything a notification missed.
 */
public final class OutboxRelay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    private static final int BATCH = 200;

    private record Row(long id, UUID jobId, String request) {
    }

    private final Database db;
    private final OutboxTarget target;
    private final Signal signal = new Signal();
    private final Thread thread;
    private volatile boolean running = true;

    public OutboxRelay(Database db, OutboxTarget target, PgNotifier notifier) {
        this.db = db;
        this.target = target;
        notifier.subscribe(JobOutbox.CHANNEL, p -> signal.fire());
        this.thread = new Thread(this::loop, "job-outbox-relay");
        thread.setDaemon(true);
    }

    public OutboxRelay start() {
        thread.start();
        return this;
    }

    private void loop() {
        int failures = 0;
        while (running) {
            long seen = signal.version();
            try {
                int moved = relayOnce();
                failures = 0;
                if (moved < BATCH) {
                    signal.await(seen, Duration.ofSeconds(1));
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                failures++;
                log.warn("outbox relay: {} (rows stay in the outbox; retrying)", e.getMessage());
                try {
                    Thread.sleep(Math.min(5000, 200L * failures));
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** One pass: delivers up to a batch of committed rows and deletes them; returns how many were moved. */
    public int relayOnce() throws SQLException {
        return db.tx(c -> {
            List<Row> rows = Jdbc.list(c, "SELECT id, job_id, request::text AS request FROM job_outbox ORDER BY id "
                    + "LIMIT " + BATCH + " FOR UPDATE SKIP LOCKED",
                    rs -> new Row(rs.getLong("id"), Jdbc.uuid(rs, "job_id"), rs.getString("request")));
            if (rows.isEmpty()) {
                return 0;
            }
            for (Row r : rows) {
                target.deliver(r.jobId(), JobJson.read(r.request(), JobRequest.class));
            }
            Array ids = c.createArrayOf("bigint", rows.stream().map(Row::id).toArray(Long[]::new));
            Jdbc.update(c, "DELETE FROM job_outbox WHERE id = ANY(?)", ids);
            return rows.size();
        });
    }

    /** Rows committed but not yet delivered (for health and tests). */
    public long pending() throws SQLException {
        return db.read(c -> Jdbc.one(c, "SELECT count(*) FROM job_outbox", rs -> rs.getLong(1)).orElse(0L));
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
