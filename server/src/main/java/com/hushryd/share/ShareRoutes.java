package com.hushryd.share;

import static com.hushryd.http.ApiRouter.Access.AUTHENTICATED;
import static com.hushryd.http.ApiRouter.Access.PUBLIC;
import static com.hushryd.common.RouteClass.CRITICAL;
import static com.hushryd.common.RouteClass.NORMAL;
import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;

import com.hushryd.common.ApiException;
import com.hushryd.http.ApiRouter;
import com.hushryd.common.Errors;
import com.hushryd.http.Reply;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Share my trip over HTTP: {@code POST /trips/{id}/shares} and {@code DELETE /trips/{id}/shares/{shareId}} for riders,
 * the public JSON state {@code GET /api/v1/share/{token}}, and the public page {@code GET /share/{token}} with its two
 * assets, served from the jar under a strict Content-Security-Policy (own scripts and styles only, no inline code, no
 * third-party origin, not framable, no referrer: the token is in the URL). A link that does not work answers a browser
 * ({@code Accept: text/html}) with a short page, and anything else with the contract's error shape.
 */
public final class ShareRoutes {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final Buffer PAGE = resource("share.html");
    private static final Buffer SCRIPT = resource("app.js");
    private static final Buffer STYLE = resource("app.css");
    private static final Buffer ICON = resource("icon.svg");

    private ShareRoutes() {
    }

    public static void register(ApiRouter api, ShareService shares, WorkerExecutor workers) {
        api.api(POST, "/trips/{id}/shares", AUTHENTICATED, CRITICAL,
                req -> Reply.created(shares.create(req.principal(), req.pathUuid("id"))));
        api.api(DELETE, "/trips/{id}/shares/{shareId}", AUTHENTICATED, CRITICAL, req -> {
            shares.revoke(req.principal(), req.pathUuid("id"), req.pathUuid("shareId"));
            return Reply.noContent();
        });
        api.api(GET, "/share/{token}", PUBLIC, NORMAL, req -> Reply.ok(shares.view(req.path("token")))
                .withHeader("Cache-Control", "no-store").withHeader("Referrer-Policy", "no-referrer"));
        api.plain(GET, "/share/assets/app.js", ctx -> asset(ctx, SCRIPT, "text/javascript; charset=utf-8"));
        api.plain(GET, "/share/assets/app.css", ctx -> asset(ctx, STYLE, "text/css; charset=utf-8"));
        api.plain(GET, "/share/assets/icon.svg", ctx -> asset(ctx, ICON, "image/svg+xml"));
        api.plain(GET, "/share/{token}", ctx -> {
            String token = ctx.pathParam("token");
            workers.executeBlocking(() -> shares.live(token), false).onComplete(ar -> {
                if (ar.succeeded()) {
                    page(ctx, 200, PAGE);
                    return;
                }
                ApiException e = Errors.classify(ar.cause());
                String accept = ctx.request().getHeader("Accept");
                if (e == null || accept == null || !accept.contains("text/html")) {
                    // programs get the contract's error shape; browsers a page that says what happened
                    ctx.fail(ar.cause());
                    return;
                }
                e.headers().forEach(ctx.response()::putHeader);
                page(ctx, e.status(), Buffer.buffer(gone(e), StandardCharsets.UTF_8.name()));
            });
        });
    }

    private static void asset(RoutingContext ctx, Buffer body, String type) {
        secure(ctx.response()).putHeader("Content-Type", type).putHeader("Cache-Control", "public, max-age=3600")
                .end(body);
    }

    private static void page(RoutingContext ctx, int status, Buffer body) {
        if (ctx.response().closed()) {
            return;
        }
        secure(ctx.response()).setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Cache-Control", "no-store").end(body);
    }

    private static HttpServerResponse secure(HttpServerResponse r) {
        return r.putHeader("Content-Security-Policy", CSP).putHeader("Referrer-Policy", "no-referrer")
                .putHeader("X-Content-Type-Options", "nosniff").putHeader("X-Frame-Options", "DENY");
    }

    /** A page for a link that does not work (no script: nothing to load). */
    private static String gone(ApiException e) {
        Map<Integer, String> text = Map.of(404, "This link does not exist.", 410,
                "This link has expired or was revoked.", 429, "Too many requests for this link; try again shortly.");
        String message = text.getOrDefault(e.status(), "This page is unavailable right now; try again shortly.");
        return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>HushRyd · shared trip</title>"
                + "<link rel=\"icon\" href=\"/share/assets/icon.svg\">"
                + "<link rel=\"stylesheet\" href=\"/share/assets/app.css\"></head><body class=\"gone\"><main>"
                + "<h1>Shared trip</h1><p id=\"message\">" + message + "</p></main></body></html>";
    }

    private static Buffer resource(String name) {
        try (InputStream in = ShareRoutes.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource com/hushryd/share/" + name);
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
