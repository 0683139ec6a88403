-- Idempotency-Key of creating calls (decision 0052): one row per (user, key), written in the same transaction as the
-- call's own writes, with the answer it gave, so that a retry after a lost response replays that answer instead of
-- creating a second trip, booking, message or document. Rows live IDEMPOTENCY_TTL (24 h) and are purged by every
-- node. SOS keeps its key on the alert itself (sos_alerts.idempotency_key, decision 0044).
CREATE TABLE idempotency_keys (
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key             text        NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    operation       text        NOT NULL,
    fingerprint     text        NOT NULL,
    response_status int,
    response_body   text,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);
