package com.hushryd.http;

import com.hushryd.auth.Principal;

/**
 * Checks, on a worker thread before the handler runs, that an authenticated caller's token has not been revoked
 * (logout, password change); throws a 401 {@link ApiException} if it has. May block. {@code routeClass} says which
 * capacity it may use (a critical route must not wait for the shared database pool).
 */
@FunctionalInterface
public interface SessionCheck {
    SessionCheck NONE = (principal, routeClass) -> { };

    void check(Principal principal, RouteClass routeClass) throws Exception;
}
