-- SOS alerts: committed before any notification is attempted, together with one row (and one job) per
-- notification; each row records what its channel did. The track is the alert's location trail.

CREATE TABLE sos_alerts (
    id               uuid             PRIMARY KEY,
    user_id          uuid             NOT NULL REFERENCES users (id),
    trip_id          uuid             REFERENCES trips (id),
    status           text             NOT NULL CHECK (status IN ('active', 'acknowledged', 'resolved')),
    lat              double precision CHECK (lat BETWEEN -90 AND 90),
    lng              double precision CHECK (lng BETWEEN -180 AND 180),
    accuracy         double precision,
    message          text,
    idempotency_key  text,
    created_at       timestamptz      NOT NULL,
    acknowledged_at  timestamptz,
    acknowledged_by  uuid             REFERENCES users (id),
    resolved_at      timestamptz,
    resolved_by      uuid             REFERENCES users (id),
    resolution       text,
    escalation       text             NOT NULL CHECK (escalation IN ('scheduled', 'cancelled', 'escalated')),
    escalate_at      timestamptz      NOT NULL,
    escalated_at     timestamptz,
    last_lat         double precision,
    last_lng         double precision,
    last_located_at  timestamptz,
    CHECK ((lat IS NULL) = (lng IS NULL)),
    CONSTRAINT sos_alerts_idempotency_key UNIQUE (user_id, idempotency_key)
);
-- at most one open alert per user: a second trigger while one is open returns it
CREATE UNIQUE INDEX sos_alerts_one_open ON sos_alerts (user_id) WHERE status <> 'resolved';
CREATE INDEX sos_alerts_open_idx ON sos_alerts (created_at DESC, id DESC) WHERE status <> 'resolved';
CREATE INDEX sos_alerts_recent_idx ON sos_alerts (created_at DESC, id DESC);
CREATE INDEX sos_alerts_user_idx ON sos_alerts (user_id, created_at DESC);

CREATE TABLE sos_notifications (
    id             uuid        PRIMARY KEY,
    alert_id       uuid        NOT NULL REFERENCES sos_alerts (id) ON DELETE CASCADE,
    position       smallint    NOT NULL,
    purpose        text        NOT NULL CHECK (purpose IN ('alert', 'escalation')),
    channel        text        NOT NULL CHECK (channel IN ('sms', 'email', 'push', 'in_app')),
    recipient      text        NOT NULL,
    recipient_name text,
    status         text        NOT NULL CHECK (status IN ('pending', 'sent', 'retrying', 'failed')),
    provider       text,
    attempts       integer     NOT NULL DEFAULT 0,
    last_error     text,
    job_id         uuid,
    updated_at     timestamptz NOT NULL,
    UNIQUE (alert_id, position)
);

CREATE TABLE sos_track (
    alert_id    uuid             NOT NULL REFERENCES sos_alerts (id) ON DELETE CASCADE,
    recorded_at timestamptz      NOT NULL,
    lat         double precision NOT NULL,
    lng         double precision NOT NULL,
    speed       real,
    heading     real,
    accuracy    real,
    source      text             NOT NULL CHECK (source IN ('trigger', 'user', 'trip')),
    PRIMARY KEY (alert_id, recorded_at, source)
);
