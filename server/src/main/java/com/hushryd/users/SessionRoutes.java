package com.hushryd.users;

import static com.hushryd.http.ApiRouter.Access.AUTHENTICATED;
import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.POST;

import com.hushryd.auth.Revocations;
import com.hushryd.http.ApiRouter;
import com.hushryd.http.Reply;
import com.hushryd.common.RouteClass;
import com.hushryd.users.UserService.DeleteMeInput;
import com.hushryd.users.UserService.PasswordInput;

/**
 * Ending sessions: logout (this token), password change (every older token) and deleting one's own account (every
 * token); each reaches every node at once.
 */
public final class SessionRoutes {
    private SessionRoutes() {
    }

    public static void register(ApiRouter api, UserService users, Revocations revocations) {
        api.api(POST, "/auth/logout", AUTHENTICATED, RouteClass.AUTH, req -> {
            req.allowQuery();
            revocations.revoke(req.principal());
            return Reply.noContent();
        });
        api.api(POST, "/me/password", AUTHENTICATED, RouteClass.AUTH,
                req -> users.changePassword(req.principal(), req.body(PasswordInput.class), revocations));
        api.api(DELETE, "/me", AUTHENTICATED, RouteClass.AUTH, req -> {
            req.allowQuery();
            users.deleteMe(req.principal(), req.body(DeleteMeInput.class), revocations);
            return Reply.noContent();
        });
    }
}
