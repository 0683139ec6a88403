package com.hushryd.http;

import com.hushryd.auth.SessionCheck;
import com.hushryd.common.RouteClass;
import com.hushryd.common.Errors;
import com.hushryd.common.ApiException;
import com.hushryd.common.Json;
import com.hushryd.auth.AdminPolicy;
import com.hushryd.auth.Principal;
import com.hushryd.auth.Role;
import com.hushryd.auth.TokenService;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The HTTP front of a node: request ids, metrics, body limits, authentication, dispatch of handlers to the bounded
 * worker pool, and the JSON error shape for every failure (including unmatched routes and oversized bodies).
 */
public final class ApiRouter {
    public static final String API_PREFIX = "/api/v1";
    private static final Logger log = LoggerFactory.getLogger(ApiRouter.class);
    private static final Logger accessLog = LoggerFactory.getLogger("hushryd.access");
    private static final Pattern CLIENT_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final Pattern TEMPLATE_PARAM = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]*)}");
    private static final String REQUEST_ID = "requestId";
    private static final String ROUTE = "routeTemplate";
    private static final String BODY_TIMED_OUT = "bodyTimedOut";

    /** Who may call a route. */
    public enum Access {
        PUBLIC, AUTHENTICATED, ADMIN
    }

    /** A registered endpoint, as listed in the OpenAPI document. */
    public record Endpoint(String method, String path, Access access) {
    }

    private final Router router;
    private final WorkerExecutor workers;
    private final TokenService tokens;
    private final AdminPolicy adminPolicy;
    private final HttpMetrics metrics;
    private final boolean accessLogEnabled;
    private final long bodyLimit;
    private final long bodyTimeoutMillis;
    private final Vertx vertx;
    private final List<Endpoint> endpoints = new ArrayList<>();
    private volatile Admission admission = Admission.ALLOW_ALL;
    private volatile SessionCheck sessionCheck = SessionCheck.NONE;
    private volatile WorkerExecutor criticalWorkers;

    public ApiRouter(Vertx vertx, WorkerExecutor workers, TokenService tokens, AdminPolicy adminPolicy,
            HttpMetrics metrics, long bodyLimit, Duration bodyTimeout, boolean accessLogEnabled) {
        this.router = Router.router(vertx);
        this.vertx = vertx;
        this.bodyTimeoutMillis = Math.max(1, bodyTimeout.toMillis());
        this.workers = workers;
        this.tokens = tokens;
        this.adminPolicy = adminPolicy;
        this.metrics = metrics;
        this.accessLogEnabled = accessLogEnabled;
        this.bodyLimit = bodyLimit;
        router.route().handler(this::begin);
        router.route(API_PREFIX + "/*").handler(BodyHandler.create(false).setBodyLimit(bodyLimit));
        router.route().failureHandler(this::failure);
        for (int status : new int[] {400, 404, 405, 413, 415, 500}) {
            router.errorHandler(status, this::failure);
        }
    }

    public Router router() {
        return router;
    }

    /**
     * Routes a request, answering a request target that is not valid percent-encoding (a {@code %} without two hex
     * digits, which the router and the query decoder would otherwise throw on) with 400 {@code MALFORMED_URI}.
     */
    public void handle(HttpServerRequest req) {
        if (wellEncoded(req.uri())) {
            router.handle(req);
            return;
        }
        long start = System.nanoTime();
        String requestId = newRequestId(req);
        answerEarly(req, ApiException.badRequest("MALFORMED_URI",
                "the request target has an invalid percent-encoding ('%' must be followed by two hex digits)"),
                requestId, false);
        metrics.record(req.method().name(), "unmatched", 400, System.nanoTime() - start);
    }

    /** Whether every {@code %} in {@code uri} starts a {@code %XX} escape. */
    public static boolean wellEncoded(String uri) {
        for (int i = uri.indexOf('%'); i >= 0; i = uri.indexOf('%', i + 1)) {
            if (i + 2 >= uri.length() || Character.digit(uri.charAt(i + 1), 16) < 0
                    || Character.digit(uri.charAt(i + 2), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Answers a request the HTTP codec could not decode (bad {@code Content-Length}, a request line or headers over
     * the limits) in the error shape, then closes the connection as the codec's state is unknown. Install with
     * {@code HttpServer.invalidRequestHandler}.
     */
    public void invalidRequest(HttpServerRequest req) {
        Throwable cause = req.decoderResult().cause();
        ApiException error;
        if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
            error = new ApiException(414, "URI_TOO_LONG", "the request line is longer than "
                    + HttpServerOptions.DEFAULT_MAX_INITIAL_LINE_LENGTH + " bytes",
                    Map.of("limitBytes", HttpServerOptions.DEFAULT_MAX_INITIAL_LINE_LENGTH), null);
        } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
            error = new ApiException(431, "HEADERS_TOO_LARGE", "the request headers are larger than "
                    + HttpServerOptions.DEFAULT_MAX_HEADER_SIZE + " bytes",
                    Map.of("limitBytes", HttpServerOptions.DEFAULT_MAX_HEADER_SIZE), null);
        } else {
            error = ApiException.badRequest("MALFORMED_REQUEST", "the request is not valid HTTP/1.1 "
                    + "(request line, headers or Content-Length)");
        }
        log.debug("undecodable request: {}", String.valueOf(cause));
        answerEarly(req, error, newRequestId(req), true);
        metrics.record(req.method() == null ? "UNKNOWN" : req.method().name(), "unmatched", error.status(), 0);
    }

    /** Answers outside the router (which would fail on the request): the error shape, optionally closing. */
    private static void answerEarly(HttpServerRequest req, ApiException error, String requestId, boolean close) {
        HttpServerResponse resp = req.response();
        if (resp.ended() || resp.closed()) {
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", Errors.body(error));
        body.put("requestId", requestId);
        resp.setStatusCode(error.status()).putHeader("X-Request-Id", requestId)
                .putHeader("Content-Type", "application/json");
        error.headers().forEach(resp::putHeader);
        if (close) {
            resp.putHeader("Connection", "close");
            resp.end(Buffer.buffer(Json.bytes(body))).onComplete(ar -> req.connection().close());
        } else {
            resp.end(Buffer.buffer(Json.bytes(body)));
        }
    }

    private static String newRequestId(HttpServerRequest req) {
        String clientId = req.getHeader("X-Request-Id");
        return clientId != null && CLIENT_REQUEST_ID.matcher(clientId).matches()
                ? clientId : Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    }

    /**
     * A client that announces a body and does not send it all would hold the request (and its BodyHandler buffer)
     * until the connection's idle timeout: after HTTP_BODY_TIMEOUT it gets 408 and the connection is closed.
     */
    private void limitBodyTime(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        if (req.isEnded() || (req.getHeader("Content-Length") == null && req.getHeader("Transfer-Encoding") == null)
                || "0".equals(req.getHeader("Content-Length"))) {
            return;
        }
        long timer = vertx.setTimer(bodyTimeoutMillis, id -> {
            HttpServerResponse resp = ctx.response();
            if (req.isEnded() || resp.headWritten() || resp.closed()) {
                return;
            }
            ctx.put(BODY_TIMED_OUT, Boolean.TRUE);
            resp.setStatusCode(408).putHeader("Connection", "close");
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", Errors.body(new ApiException(408, "REQUEST_TIMEOUT", "the request body did not "
                    + "arrive within " + bodyTimeoutMillis + " ms", Map.of("timeoutMillis", bodyTimeoutMillis),
                    null)));
            body.put("requestId", ctx.get(REQUEST_ID));
            resp.putHeader("Content-Type", "application/json").end(Buffer.buffer(Json.bytes(body)))
                    .onComplete(ar -> req.connection().close());
        });
        ctx.addEndHandler(v -> vertx.cancelTimer(timer));
    }

    public List<Endpoint> endpoints() {
        return Collections.unmodifiableList(endpoints);
    }

    /** Registers an API endpoint under {@code /api/v1}; {@code path} uses OpenAPI templates such as {@code /trips/{id}}. */
    public void api(HttpMethod method, String path, Access access, ApiHandler handler) {
        api(method, path, access, RouteClass.NORMAL, handler);
    }

    /**
     * Registers an API endpoint of a route class: {@link RouteClass#CRITICAL} (SOS, tracking) and
     * {@link RouteClass#AUTH} are never shed and run on the reserved critical workers; the class also picks the
     * rate-limit bucket.
     */
    public void api(HttpMethod method, String path, Access access, RouteClass routeClass, ApiHandler handler) {
        String template = API_PREFIX + path;
        endpoints.add(new Endpoint(method.name(), template, access));
        router.route(method, TEMPLATE_PARAM.matcher(template).replaceAll(":$1"))
                .handler(ctx -> dispatch(ctx, template, access, routeClass, handler));
    }

    /**
     * Installs the node's protection: admission (shedding, rate limits) on the event loop, the revocation check on a
     * worker before each authenticated handler, and the workers reserved for never-shed routes (null: the shared
     * ones). Call before the node listens.
     */
    public void protect(Admission admission, SessionCheck sessionCheck, WorkerExecutor criticalWorkers) {
        this.admission = admission;
        this.sessionCheck = sessionCheck;
        this.criticalWorkers = criticalWorkers;
    }

    /**
     * Lists an endpoint that another handler serves before the router (e.g. the local store's upload URLs), so that
     * the OpenAPI check covers it too.
     */
    public void describe(HttpMethod method, String path, Access access) {
        endpoints.add(new Endpoint(method.name(), path, access));
    }

    /** Registers an endpoint outside the API prefix that answers on the event loop (it must not block). */
    public void plain(HttpMethod method, String path, Handler<RoutingContext> handler) {
        endpoints.add(new Endpoint(method.name(), path, Access.PUBLIC));
        router.route(method, TEMPLATE_PARAM.matcher(path).replaceAll(":$1")).handler(ctx -> {
            ctx.put(ROUTE, path);
            handler.handle(ctx);
        });
    }

    private void begin(RoutingContext ctx) {
        long start = System.nanoTime();
        HttpServerRequest req = ctx.request();
        String requestId = newRequestId(req);
        ctx.put(REQUEST_ID, requestId);
        ctx.response().putHeader("X-Request-Id", requestId);
        ctx.addEndHandler(v -> {
            int status = ctx.response().getStatusCode();
            String route = ctx.get(ROUTE) == null ? "unmatched" : ctx.get(ROUTE);
            long nanos = System.nanoTime() - start;
            metrics.record(req.method().name(), route, status, nanos);
            if (accessLogEnabled) {
                MDC.put(REQUEST_ID, requestId);
                accessLog.info("{} {} {} {}us", req.method(), req.path(), status, nanos / 1000);
                MDC.remove(REQUEST_ID);
            }
        });
        limitBodyTime(ctx);
        ctx.next();
    }

    private void dispatch(RoutingContext ctx, String template, Access access, RouteClass routeClass,
            ApiHandler handler) {
        ctx.put(ROUTE, template);
        Principal principal = access == Access.PUBLIC ? null : authenticate(ctx);
        if (access == Access.ADMIN) {
            if (principal.role() != Role.ADMIN) {
                throw ApiException.forbidden("admin role required");
            }
            if (!adminPolicy.networkAllowed(ctx.request().remoteAddress() == null ? null
                    : ctx.request().remoteAddress().host(), ctx.request().getHeader("X-Forwarded-For"))) {
                throw new ApiException(403, "ADMIN_NETWORK_FORBIDDEN",
                        "admin endpoints are not reachable from this network");
            }
        }
        Admission.Call call = new Admission.Call(template, routeClass, principal,
                ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().host(),
                ctx.request().getHeader("X-Forwarded-For"));
        CompletableFuture<Admission.Ticket> admitted = admission.admit(call).toCompletableFuture();
        if (admitted.isDone()) {
            admitted.whenComplete((ticket, error) -> run(ctx, principal, routeClass, handler, ticket, error));
        } else {
            Context context = Vertx.currentContext();
            admitted.whenComplete((ticket, error) -> context.runOnContext(v ->
                    run(ctx, principal, routeClass, handler, ticket, error)));
        }
    }

    private void run(RoutingContext ctx, Principal principal, RouteClass routeClass, ApiHandler handler,
            Admission.Ticket ticket, Throwable refused) {
        if (refused != null) {
            ctx.fail(refused instanceof CompletionException && refused.getCause() != null
                    ? refused.getCause() : refused);
            return;
        }
        if (ctx.response().ended() || ctx.response().closed()) {
            ticket.release(); // the client left while admission was deciding
            return;
        }
        ticket.headers().forEach(ctx.response()::putHeader);
        ctx.addEndHandler(v -> ticket.release());
        String requestId = ctx.get(REQUEST_ID);
        ApiRequest request = new ApiRequest(ctx, principal, requestId);
        WorkerExecutor critical = criticalWorkers;
        WorkerExecutor pool = critical != null && routeClass.shed() == RouteClass.Shed.NEVER ? critical : workers;
        SessionCheck check = sessionCheck;
        long queuedAt = System.nanoTime();
        pool.<Rendered>executeBlocking(() -> {
            ticket.started(System.nanoTime() - queuedAt);
            MDC.put(REQUEST_ID, requestId);
            try {
                if (principal != null) {
                    check.check(principal, routeClass);
                }
                return render(handler.handle(request));
            } finally {
                MDC.remove(REQUEST_ID);
            }
        }, false).onComplete(ar -> {
            if (ar.succeeded()) {
                send(ctx, ar.result());
            } else {
                ctx.fail(ar.cause());
            }
        });
    }

    private Principal authenticate(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        if (header == null || header.isBlank()) {
            String cookies = ctx.request().getHeader("Cookie");
            String session = SessionCookies.read(cookies, SessionCookies.SESSION);
            if (session == null) {
                throw ApiException.unauthorized("UNAUTHORIZED", "missing bearer token");
            }
            // a browser session (the console): a state-changing call must echo the CSRF cookie (decision 0066)
            HttpMethod m = ctx.request().method();
            if (m != HttpMethod.GET && m != HttpMethod.HEAD && m != HttpMethod.OPTIONS
                    && !SessionCookies.csrfMatches(cookies, ctx.request().getHeader(SessionCookies.CSRF_HEADER))) {
                throw new ApiException(403, "CSRF_TOKEN_INVALID", "a call with the session cookie that changes "
                        + "something must send the " + SessionCookies.CSRF_HEADER + " header equal to the "
                        + SessionCookies.CSRF + " cookie");
            }
            return tokens.verify(session);
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() < 8) {
            throw ApiException.unauthorized("UNAUTHORIZED", "Authorization must be 'Bearer <token>'");
        }
        return tokens.verify(header.substring(7).trim());
    }

    private record Rendered(int status, Buffer body, Map<String, String> headers) {
    }

    private static Rendered render(Object result) {
        Reply reply = result instanceof Reply r ? r : Reply.ok(result);
        Buffer body = reply.body() == null ? null : Buffer.buffer(Json.bytes(reply.body()));
        return new Rendered(reply.status(), body, reply.headers());
    }

    private static void send(RoutingContext ctx, Rendered r) {
        HttpServerResponse resp = ctx.response();
        if (resp.ended() || resp.closed()) {
            return;
        }
        resp.setStatusCode(r.status());
        r.headers().forEach((name, value) -> {
            if (Reply.SET_COOKIE.equals(name)) {
                for (String cookie : value.split("\n")) {
                    resp.headers().add(name, cookie);
                }
            } else {
                resp.putHeader(name, value);
            }
        });
        if (r.body() == null) {
            resp.end();
        } else {
            resp.putHeader("Content-Type", "application/json").end(r.body());
        }
    }

    private void failure(RoutingContext ctx) {
        ApiException error = toApiException(ctx);
        String requestId = ctx.get(REQUEST_ID);
        HttpServerResponse resp = ctx.response();
        if (Boolean.TRUE.equals(ctx.get(BODY_TIMED_OUT))) {
            return; // answered 408 and closed: the body reader's failure that follows is expected
        }
        if (resp.headWritten()) {
            log.warn("request {} failed after its response started: {}", requestId, String.valueOf(ctx.failure()));
            resp.reset();
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", Errors.body(error));
        body.put("requestId", requestId);
        resp.setStatusCode(error.status());
        error.headers().forEach(resp::putHeader);
        resp.putHeader("Content-Type", "application/json").end(Buffer.buffer(Json.bytes(body)));
    }

    private ApiException toApiException(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        ApiException known = Errors.classify(failure);
        if (known != null) {
            return known;
        }
        int status = ctx.statusCode();
        if (failure == null && status != 500 && status >= 400) {
            return statusError(ctx, status);
        }
        MDC.put(REQUEST_ID, String.valueOf(ctx.<String>get(REQUEST_ID)));
        log.error("unhandled error in {} {}", ctx.request().method(), ctx.request().path(), failure);
        MDC.remove(REQUEST_ID);
        return Errors.internal();
    }

    private ApiException statusError(RoutingContext ctx, int status) {
        HttpServerRequest req = ctx.request();
        return switch (status) {
            case 404 -> new ApiException(404, "NOT_FOUND", "no endpoint " + req.method() + " " + req.path());
            case 405 -> new ApiException(405, "METHOD_NOT_ALLOWED",
                    "method " + req.method() + " is not allowed on " + req.path());
            case 413 -> new ApiException(413, "PAYLOAD_TOO_LARGE", "request body is larger than "
                    + bodyLimit + " bytes", Map.of("limitBytes", bodyLimit), null);
            case 415 -> new ApiException(415, "UNSUPPORTED_MEDIA_TYPE", "unsupported content type");
            case 400 -> ApiException.badRequest("BAD_REQUEST", "the request could not be understood");
            default -> new ApiException(status, "HTTP_" + status, "request failed with status " + status);
        };
    }
}
