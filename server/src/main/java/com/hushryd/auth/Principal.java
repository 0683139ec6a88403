package com.hushryd.auth;

import java.time.Instant;
import java.util.UUID;

/**
 * The authenticated caller of a request or socket, as proven by its access token.
 *
 * @param expiresAt when the proving token expires (null for callers not authenticated by a token)
 */
public record Principal(UUID userId, Role role, Instant expiresAt) {
    public Principal(UUID userId, Role role) {
        this(userId, role, null);
    }

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }
}
