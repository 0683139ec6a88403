package com.hushryd.auth;

import java.util.UUID;

/** The authenticated caller of a request, as proven by its access token. */
public record Principal(UUID userId, Role role) {
    public boolean isAdmin() {
        return role == Role.ADMIN;
    }
}
