-- Scheduled operator jobs (backups, retention) run once per slot for the whole cluster: a node that sees a slot due
-- inserts its row and enqueues the job in the same transaction; the primary key makes exactly one node win
-- (decision 0069). Indexes let the retention jobs find old rows in batches without scanning the tables.

CREATE TABLE ops_schedule_runs (
    task       text        NOT NULL,
    slot       timestamptz NOT NULL,
    job_id     uuid        NOT NULL,
    node_id    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (task, slot)
);

CREATE INDEX trip_locations_received_idx ON trip_locations (received_at);
CREATE INDEX chat_messages_created_idx ON chat_messages (created_at);
CREATE INDEX jobs_finished_at_idx ON jobs (finished_at) WHERE state IN ('completed', 'failed');
CREATE INDEX notification_outbox_created_at_idx ON notification_outbox (created_at);
