package com.hushryd.ops;

import static com.hushryd.http.ApiRouter.Access.ADMIN;
import static io.vertx.core.http.HttpMethod.GET;

import com.hushryd.common.ApiException;
import com.hushryd.http.ApiRouter;
import com.hushryd.common.Json;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * Health, metrics, the OpenAPI document and the cluster view. {@code /health/live} and {@code /health/ready} answer
 * anyone (load balancers) and say nothing but the state; {@code /metrics} and the detailed {@code /health} answer
 * only callers that {@code opsAllowed} accepts, others get 403 {@code OPS_NETWORK_FORBIDDEN} (decision 0067).
 */
public final class OpsRoutes {
    private final WorkerExecutor workers;
    private final Lifecycle lifecycle;
    private final List<HealthCheck> checks;
    private final String nodeId;
    private final String version;
    private final Predicate<HttpServerRequest> opsAllowed;

    private OpsRoutes(WorkerExecutor workers, Lifecycle lifecycle, List<HealthCheck> checks, String nodeId,
            String version, Predicate<HttpServerRequest> opsAllowed) {
        this.opsAllowed = opsAllowed;
        this.workers = workers;
        this.lifecycle = lifecycle;
        this.checks = List.copyOf(checks);
        this.nodeId = nodeId;
        this.version = version;
    }

    public static void register(ApiRouter api, WorkerExecutor workers, Lifecycle lifecycle, List<HealthCheck> checks,
            Metrics metrics, ClusterRegistry cluster, String nodeId, String version,
            Predicate<HttpServerRequest> opsAllowed) {
        OpsRoutes ops = new OpsRoutes(workers, lifecycle, checks, nodeId, version, opsAllowed);
        Buffer openApi = Buffer.buffer(openApiDocument());
        api.plain(GET, "/health/live", ctx -> json(ctx, 200, Map.of("status", "UP")));
        api.plain(GET, "/health/ready", ops::ready);
        api.plain(GET, "/health", ctx -> {
            if (ops.allowed(ctx)) {
                ops.health(ctx);
            }
        });
        api.plain(GET, "/metrics", ctx -> {
            if (ops.allowed(ctx)) {
                ops.blocking(ctx, metrics::scrape, (c, text) -> c.response()
                        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(text));
            }
        });
        api.plain(GET, "/openapi.json", ctx -> ctx.response().putHeader("Content-Type", "application/json")
                .end(openApi));
        api.api(GET, "/admin/cluster", ADMIN, req -> cluster.view());
    }

    private boolean allowed(RoutingContext ctx) {
        if (opsAllowed.test(ctx.request())) {
            return true;
        }
        ctx.fail(new ApiException(403, "OPS_NETWORK_FORBIDDEN", "/metrics and /health are not reachable from this "
                + "network (OPS_ALLOWED_CIDRS); /health/live and /health/ready are"));
        return false;
    }

    private void ready(RoutingContext ctx) {
        if (lifecycle.state() != Lifecycle.State.READY) {
            json(ctx, 503, Map.of("status", "NOT_READY", "reason", lifecycle.state().name().toLowerCase()));
            return;
        }
        blocking(ctx, () -> {
            for (HealthCheck check : checks) {
                if (check.critical()) {
                    HealthCheck.Result r = check.check();
                    if (r.status() == HealthCheck.Status.DOWN) {
                        return Map.of("status", "NOT_READY", "reason", check.name() + " is down");
                    }
                }
            }
            return Map.of("status", "READY");
        }, (c, body) -> json(c, "READY".equals(body.get("status")) ? 200 : 503, body));
    }

    private void health(RoutingContext ctx) {
        blocking(ctx, () -> {
            Map<String, Object> results = new LinkedHashMap<>();
            HealthCheck.Status overall = HealthCheck.Status.UP;
            for (HealthCheck check : checks) {
                HealthCheck.Result r = check.check();
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("status", r.status());
                entry.put("critical", check.critical());
                entry.putAll(r.details());
                results.put(check.name(), entry);
                if (r.status() == HealthCheck.Status.DOWN && check.critical()) {
                    overall = HealthCheck.Status.DOWN;
                } else if (r.status() != HealthCheck.Status.UP && overall == HealthCheck.Status.UP) {
                    overall = HealthCheck.Status.DEGRADED;
                }
            }
            if (lifecycle.state() != Lifecycle.State.READY && overall == HealthCheck.Status.UP) {
                overall = HealthCheck.Status.DEGRADED;
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", overall);
            body.put("nodeId", nodeId);
            body.put("version", version);
            body.put("state", lifecycle.state().name().toLowerCase());
            body.put("uptimeSeconds", ManagementFactory.getRuntimeMXBean().getUptime() / 1000);
            body.put("checks", results);
            return body;
        }, (c, body) -> json(c, body.get("status") == HealthCheck.Status.DOWN ? 503 : 200, body));
    }

    private <T> void blocking(RoutingContext ctx, Callable<T> work, java.util.function.BiConsumer<RoutingContext, T> done) {
        workers.executeBlocking(work, false).onComplete(ar -> {
            if (ar.succeeded()) {
                done.accept(ctx, ar.result());
            } else {
                ctx.fail(ar.cause());
            }
        });
    }

    private static void json(RoutingContext ctx, int status, Object body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(Buffer.buffer(Json.bytes(body)));
    }

    static byte[] openApiDocument() {
        try (InputStream in = OpsRoutes.class.getResourceAsStream("/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
