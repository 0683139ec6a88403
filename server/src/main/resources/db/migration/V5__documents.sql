-- Uploaded documents (licence, RC, insurance, ID). A row is created when its upload is completed
-- (POST /documents/{key}/complete); the upload URL itself is stateless (decision 0020).
-- V4, V6 and V7 are reserved for other work.

CREATE TABLE documents (
    id            uuid        PRIMARY KEY,
    user_id       uuid        NOT NULL REFERENCES users (id),
    object_key    text        NOT NULL,
    document_type text        NOT NULL CHECK (document_type IN ('licence', 'rc', 'insurance', 'id')),
    content_type  text        NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size_bytes    bigint      NOT NULL CHECK (size_bytes >= 0),
    status        text        NOT NULL CHECK (status IN ('pending', 'processing', 'verified', 'rejected')),
    reason        text,
    job_id        uuid,
    sha256        text,
    metadata      jsonb,
    thumbnail_key text,
    attempts      integer     NOT NULL DEFAULT 0,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    processed_at  timestamptz,
    -- one document per uploaded object: a repeated complete finds the first
    CONSTRAINT documents_object_key_key UNIQUE (object_key)
);
-- a user's documents, newest first (keyset on the time-ordered id)
CREATE INDEX documents_user_idx ON documents (user_id, id DESC);
