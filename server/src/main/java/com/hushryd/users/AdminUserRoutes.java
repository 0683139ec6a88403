package com.hushryd.users;

import static com.hushryd.http.ApiRouter.Access.ADMIN;
import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.PATCH;

import com.hushryd.auth.Revocations;
import com.hushryd.http.ApiRouter;
import com.hushryd.http.Reply;
import com.hushryd.common.RouteClass;
import com.hushryd.users.UserService.RoleInput;

/**
 * Operators' account changes: {@code PATCH /admin/users/{id}} sets the role, {@code DELETE /admin/users/{id}}
 * deletes the account. Either ends the account's old tokens and sockets on every node at once.
 */
public final class AdminUserRoutes {
    private AdminUserRoutes() {
    }

    public static void register(ApiRouter api, UserService users, Revocations revocations) {
        api.api(PATCH, "/admin/users/{id}", ADMIN, RouteClass.AUTH, req -> {
            req.allowQuery();
            return users.changeRole(req.pathUuid("id"), req.body(RoleInput.class), revocations);
        });
        api.api(DELETE, "/admin/users/{id}", ADMIN, RouteClass.AUTH, req -> {
            req.allowQuery();
            users.delete(req.pathUuid("id"), revocations);
            return Reply.noContent();
        });
    }
}
