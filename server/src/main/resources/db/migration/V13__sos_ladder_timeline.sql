-- The SOS acknowledgement ladder (issue 18): how many escalation steps an alert has gone through; and its
-- tamper-evident timeline, each event chained by SHA-256 to the one before (decision 0058).

ALTER TABLE sos_alerts ADD COLUMN escalation_step integer NOT NULL DEFAULT 0;

CREATE TABLE sos_timeline (
    alert_id  uuid        NOT NULL REFERENCES sos_alerts (id) ON DELETE CASCADE,
    seq       integer     NOT NULL CHECK (seq >= 1),
    at        timestamptz NOT NULL,
    kind      text        NOT NULL CHECK (kind IN ('raised', 'notified', 'escalated', 'acknowledged', 'note',
                                                   'resolved')),
    actor     text        NOT NULL,
    -- the exact JSON text that was hashed (jsonb would reorder it)
    detail    text        NOT NULL,
    prev_hash text        NOT NULL,
    hash      text        NOT NULL,
    PRIMARY KEY (alert_id, seq)
);
