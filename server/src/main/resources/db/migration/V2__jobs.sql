-- Durable job queues (QUEUE_TYPE=postgres), the transactional outbox for the other backends, per-node counters,
-- idempotency keys, the RabbitMQ failed set, probe-job records and the development notification outbox.

CREATE TABLE jobs (
    id                 uuid        PRIMARY KEY,
    queue              text        NOT NULL,
    type               text        NOT NULL,
    payload            jsonb       NOT NULL,
    priority           smallint    NOT NULL CHECK (priority BETWEEN 0 AND 2),   -- 0 critical, 1 high, 2 normal
    state              text        NOT NULL CHECK (state IN ('waiting', 'active', 'completed', 'failed')),
    run_at             timestamptz NOT NULL,                                    -- a waiting job is delayed until then
    attempts           integer     NOT NULL DEFAULT 0,
    max_attempts       integer     NOT NULL CHECK (max_attempts >= 1),
    backoff_ms         bigint      NOT NULL,
    timeout_ms         bigint      NOT NULL,
    remove_on_complete integer     NOT NULL,
    remove_on_fail     integer     NOT NULL,
    lease_token        uuid,
    locked_by          text,
    locked_until       timestamptz,
    last_error         text,
    history            jsonb       NOT NULL DEFAULT '[]',
    created_at         timestamptz NOT NULL DEFAULT now(),
    started_at         timestamptz,
    finished_at        timestamptz
);
-- Workers take the first due job in (priority, run_at, id) order with FOR UPDATE SKIP LOCKED.
CREATE INDEX jobs_waiting_idx ON jobs (queue, priority, run_at, id) WHERE state = 'waiting';
CREATE INDEX jobs_active_idx ON jobs (queue, locked_until) WHERE state = 'active';
CREATE INDEX jobs_finished_idx ON jobs (queue, state, finished_at DESC) WHERE state IN ('completed', 'failed');

-- Queues that ever held a job (admin listing).
CREATE TABLE job_queues (
    queue      text        PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Producers' idempotency keys, remembered for 24 hours.
CREATE TABLE job_keys (
    queue      text        NOT NULL,
    key        text        NOT NULL,
    job_id     uuid        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (queue, key)
);

-- Completions and failures per queue, node and 10-second bucket (processing rate, 24-hour totals), and each node's
-- running jobs; each node writes its own rows, so counting never contends.
CREATE TABLE job_stats (
    queue     text        NOT NULL,
    bucket    timestamptz NOT NULL,
    node      text        NOT NULL,
    completed bigint      NOT NULL DEFAULT 0,
    failed    bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (queue, bucket, node)
);
CREATE TABLE job_node_activity (
    queue      text        NOT NULL,
    node       text        NOT NULL,
    active     integer     NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (queue, node)
);

-- Rate-limited queues: starts per queue and fixed window, shared by every worker of the cluster.
CREATE TABLE job_rate_windows (
    queue        text        NOT NULL,
    window_start timestamptz NOT NULL,
    used         integer     NOT NULL,
    PRIMARY KEY (queue, window_start)
);

-- Jobs enqueued inside a caller's transaction for Redis or RabbitMQ; a relay moves committed rows to the engine
-- and deletes them once the engine confirmed.
CREATE TABLE job_outbox (
    id         bigserial   PRIMARY KEY,
    job_id     uuid        NOT NULL,
    request    jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The failed set of the RabbitMQ backend (a broker has no random access to list or retry one message).
CREATE TABLE job_dead_letters (
    id         uuid        PRIMARY KEY,
    queue      text        NOT NULL,
    type       text        NOT NULL,
    payload    jsonb       NOT NULL,
    priority   smallint    NOT NULL,
    attempts   integer     NOT NULL,
    envelope   jsonb       NOT NULL,
    last_error text,
    history    jsonb       NOT NULL,
    created_at timestamptz NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_dead_letters_queue_idx ON job_dead_letters (queue, failed_at DESC);

-- Completions of the built-in "probe" job type (see README, Jobs and workers): one row per completed attempt.
CREATE TABLE job_probes (
    job_id       uuid        NOT NULL,
    worker       text        NOT NULL,
    completed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_probes_job_idx ON job_probes (job_id);

-- Messages of the development notification outbox (no provider configured for a channel).
CREATE TABLE notification_outbox (
    id         uuid        PRIMARY KEY,
    channel    text        NOT NULL,
    recipient  text        NOT NULL,
    subject    text,
    body       text        NOT NULL,
    data       jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_outbox_created_idx ON notification_outbox (created_at DESC, id DESC);
