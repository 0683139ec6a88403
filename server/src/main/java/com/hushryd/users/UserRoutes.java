package com.hushryd.users;

import static com.hushryd.http.ApiRouter.Access.AUTHENTICATED;
import static com.hushryd.http.ApiRouter.Access.PUBLIC;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.PATCH;
import static io.vertx.core.http.HttpMethod.POST;
import static io.vertx.core.http.HttpMethod.PUT;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.http.ApiRouter;
import com.hushryd.http.Reply;
import com.hushryd.common.RouteClass;
import com.hushryd.users.UserService.ContactsInput;
import com.hushryd.users.UserService.LoginInput;
import com.hushryd.users.UserService.RegisterInput;

/** HTTP endpoints of the users capability. */
public final class UserRoutes {
    private UserRoutes() {
    }

    public static void register(ApiRouter api, UserService users) {
        api.api(POST, "/auth/register", PUBLIC, RouteClass.AUTH,
                req -> Reply.created(users.register(req.body(RegisterInput.class))));
        api.api(POST, "/auth/login", PUBLIC, RouteClass.AUTH, req -> users.login(req.body(LoginInput.class)));
        api.api(GET, "/me", AUTHENTICATED, req -> users.me(req.principal()));
        api.api(PATCH, "/me", AUTHENTICATED, req -> users.patchMe(req.principal(), req.body(JsonNode.class)));
        api.api(GET, "/me/emergency-contacts", AUTHENTICATED, req -> users.contacts(req.principal()));
        api.api(PUT, "/me/emergency-contacts", AUTHENTICATED,
                req -> users.replaceContacts(req.principal(), req.body(ContactsInput.class)));
        api.api(GET, "/users/{id}", AUTHENTICATED, req -> users.profile(req.principal(), req.pathUuid("id")));
    }
}
