-- Secrets every node sharing this database must agree on when none is configured (JWT_SECRET unset: the token
-- signing secret; the local store's upload-URL secret). The first node to start writes one, every later node reads
-- it back (decision 0046). Whoever can read this table can sign tokens: it is as sensitive as the users table.
CREATE TABLE cluster_secrets (
    name       text PRIMARY KEY,
    value      text NOT NULL CHECK (length(value) >= 32),
    created_at timestamptz NOT NULL DEFAULT now()
);
