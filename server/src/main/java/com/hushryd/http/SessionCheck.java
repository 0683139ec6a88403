package com.hushryd.http;

import com.hushryd.auth.Principal;

/**
 * Checks, on a worker thread before the handler runs, that an authenticated caller's token has not been revoked
 * (logout, password change); throws a 401 {@link ApiException} if it has. May block.
 */
@FunctionalInterface
public interface SessionCheck {
    SessionCheck NONE = principal -> { };

    void check(Principal principal) throws Exception;
}
