package com.hushryd.console;

import static com.hushryd.http.ApiRouter.Access.ADMIN;
import static com.hushryd.http.ApiRouter.Access.AUTHENTICATED;
import static com.hushryd.http.ApiRouter.Access.PUBLIC;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;

import com.hushryd.auth.AdminPolicy;
import com.hushryd.auth.Revocations;
import com.hushryd.auth.Role;
import com.hushryd.common.ApiException;
import com.hushryd.http.ApiRouter;
import com.hushryd.http.Reply;
import com.hushryd.common.RouteClass;
import com.hushryd.http.SessionCookies;
import com.hushryd.users.UserService;
import com.hushryd.users.UserService.AuthResult;
import com.hushryd.users.UserService.LoginInput;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The operator console ({@code /console}, decision 0065): the page and its bundle, built from
 * {@code server/src/main/console} by npm during the Maven build and served from the jar under a strict
 * Content-Security-Policy; the console's login and logout, which keep the access token in an HttpOnly cookie; and
 * the live positions the map shows. The page, its assets and the login answer only {@code ADMIN_ALLOWED_CIDRS};
 * every API call the page makes is an admin call checked as any other.
 */
public final class ConsoleRoutes {
    private static final String BASE = "com/hushryd/console/";
    private final AdminPolicy adminPolicy;
    private final String csp;
    private final Map<String, Buffer> assets = new LinkedHashMap<>();

    /** What the console needs to know about this deployment. */
    public record Settings(Optional<String> tileUrl, Duration ackDeadline) {
    }

    /** The caller and this deployment's console settings. */
    public record Session(UserService.Me user, String tileUrl, long ackDeadlineSeconds) {
    }

    /** What a console login answers: never the token itself, which only the HttpOnly cookie carries. */
    public record LoggedIn(UUID userId, String name, Role role, Instant expiresAt, String csrfToken) {
    }

    private ConsoleRoutes(AdminPolicy adminPolicy, Settings settings) {
        this.adminPolicy = adminPolicy;
        this.csp = csp(settings.tileUrl());
        for (String name : new String[] {"index.html", "app.js", "app.css", "icon.svg"}) {
            Buffer b = resource(name);
            if (b != null) {
                assets.put(name, b);
            }
        }
    }

    public static void register(ApiRouter api, AdminPolicy adminPolicy, Settings settings, UserService users,
            Revocations revocations, LiveView live) {
        ConsoleRoutes c = new ConsoleRoutes(adminPolicy, settings);
        api.plain(GET, "/console", ctx -> c.serve(ctx, "index.html", "text/html; charset=utf-8", "no-store"));
        api.plain(GET, "/console/assets/app.js", ctx -> c.serve(ctx, "app.js", "text/javascript; charset=utf-8",
                "no-cache"));
        api.plain(GET, "/console/assets/app.css", ctx -> c.serve(ctx, "app.css", "text/css; charset=utf-8",
                "no-cache"));
        api.plain(GET, "/console/assets/icon.svg", ctx -> c.serve(ctx, "icon.svg", "image/svg+xml", "no-cache"));
        api.api(POST, "/console/login", PUBLIC, RouteClass.AUTH, req -> {
            if (!adminPolicy.networkAllowed(req.remoteHost(), req.header("X-Forwarded-For"))) {
                throw networkForbidden();
            }
            AuthResult r = users.login(req.body(LoginInput.class));
            if (r.user().role() != Role.ADMIN) {
                throw ApiException.forbidden("the console is for admins");
            }
            String csrf = SessionCookies.newCsrfToken();
            return Reply.ok(new LoggedIn(r.user().id(), r.user().name(), r.user().role(), r.expiresAt(), csrf))
                    .withHeader("Cache-Control", "no-store")
                    .withCookies(SessionCookies.open(r.accessToken(), csrf, Duration.ofSeconds(r.expiresIn()),
                            req.overTls()));
        });
        api.api(POST, "/console/logout", AUTHENTICATED, RouteClass.AUTH, req -> {
            req.allowQuery();
            revocations.revoke(req.principal());
            return Reply.noContent().withCookies(SessionCookies.clear(req.overTls()));
        });
        api.api(GET, "/console/session", ADMIN, req -> {
            req.allowQuery();
            return Reply.ok(new Session(users.me(req.principal()), settings.tileUrl().orElse(null),
                    settings.ackDeadline().toSeconds())).withHeader("Cache-Control", "no-store");
        });
        api.api(GET, "/admin/live", ADMIN, req -> {
            req.allowQuery("limit");
            Integer limit = req.queryInt("limit", 1, LiveView.MAX_LIMIT);
            return live.view(limit == null ? LiveView.DEFAULT_LIMIT : limit);
        });
    }

    static ApiException networkForbidden() {
        return new ApiException(403, "ADMIN_NETWORK_FORBIDDEN", "the console is not reachable from this network");
    }

    private void serve(RoutingContext ctx, String name, String type, String cache) {
        if (!adminPolicy.networkAllowed(ctx.request().remoteAddress() == null ? null
                : ctx.request().remoteAddress().host(), ctx.request().getHeader("X-Forwarded-For"))) {
            ctx.fail(networkForbidden());
            return;
        }
        Buffer body = assets.get(name);
        if (body == null) {
            ctx.fail(ApiException.unavailable("DEPENDENCY_UNAVAILABLE", "the console was not built into this jar "
                    + "(build with Maven and npm: see the README)", 60));
            return;
        }
        HttpServerResponse r = ctx.response();
        r.putHeader("Content-Security-Policy", csp).putHeader("Referrer-Policy", "no-referrer")
                .putHeader("X-Content-Type-Options", "nosniff").putHeader("X-Frame-Options", "DENY")
                .putHeader("Cache-Control", cache).putHeader("Content-Type", type).end(body);
    }

    /** Own scripts, styles and connections only; images also from the tile server's origin when one is set. */
    static String csp(Optional<String> tileUrl) {
        String tiles = tileUrl.map(u -> " " + origin(u)).orElse("");
        return "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'" + tiles
                + "; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }

    /** scheme://host[:port] of a tile URL template such as {@code https://tile.example.org/{z}/{x}/{y}.png}. */
    public static String origin(String tileUrl) {
        URI u = URI.create(tileUrl.replace("{", "%7B").replace("}", "%7D"));
        return u.getScheme() + "://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
    }

    private static Buffer resource(String name) {
        try (InputStream in = ConsoleRoutes.class.getClassLoader().getResourceAsStream(BASE + name)) {
            return in == null ? null : Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
