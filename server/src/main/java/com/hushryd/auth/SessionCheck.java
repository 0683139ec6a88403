package com.hushryd.auth;

import com.hushryd.common.ApiException;
import com.hushryd.common.RouteClass;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks, on a worker thread before the handler runs, that an authenticated caller's token has not been revoked
 * (logout, password change); throws a 401 {@link ApiException} if it has. May block. {@code routeClass} says which
 * capacity it may use (a critical route must not wait for the shared database pool).
 */
@FunctionalInterface
public interface SessionCheck {
    SessionCheck NONE = (principal, routeClass) -> { };

    void check(Principal principal, RouteClass routeClass) throws Exception;

    /**
     * Checks many callers at once (the periodic re-check of every connected socket) and returns those refused, each
     * with its 401. Implementations load what they need in batches; this default checks one at a time. Throws when
     * the callers could not be checked (retry later).
     */
    default Map<Principal, ApiException> refused(Collection<Principal> principals) throws Exception {
        Map<Principal, ApiException> refused = new HashMap<>();
        for (Principal p : principals) {
            try {
                check(p, RouteClass.NORMAL);
            } catch (ApiException e) {
                if (e.status() == 401) {
                    refused.put(p, e);
                }
            }
        }
        return refused;
    }
}
