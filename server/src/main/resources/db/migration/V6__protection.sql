-- Token revocation (issue 7): logout revokes one access token, a password change every token issued before it.
-- Tokens are stateless JWTs; these rows are the exceptions, kept only until the revoked token would have expired.

CREATE TABLE token_revocations (
    token_id   text        PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);
CREATE INDEX token_revocations_user ON token_revocations (user_id, expires_at);

CREATE TABLE token_cutoffs (
    user_id    uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    not_before timestamptz NOT NULL
);
