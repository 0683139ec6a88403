package com.hushryd.auth;

import java.time.Instant;
import java.util.UUID;

/**
 * The authenticated caller of a request or socket, as proven by its access token.
 *
 * @param expiresAt when the proving token expires (null for callers not authenticated by a token)
 * @param tokenId   the token's id ({@code jti}), by which it can be revoked; null when not authenticated by a token
 * @param issuedAt  when the token was issued (a password change revokes every token issued before it); may be null
 */
public record Principal(UUID userId, Role role, Instant expiresAt, String tokenId, Instant issuedAt) {
    public Principal(UUID userId, Role role) {
        this(userId, role, null, null, null);
    }

    public Principal(UUID userId, Role role, Instant expiresAt) {
        this(userId, role, expiresAt, null, null);
    }

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }
}
