package com.hushryd.app;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP server instance per event loop, all on the same port (Vert.x spreads connections across them), so that
 * requests and WebSockets use every core.
 */
final class HttpServers {
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();

    private HttpServers() {
    }

    /**
     * Starts the instances; {@code invalidRequestHandler} answers requests the HTTP codec could not decode. Vert.x only shares a listening socket among servers configured with the same port, so
     * port 0 is first resolved to a free port.
     */
    static Future<HttpServers> start(Vertx vertx, int instances, HttpServerOptions options,
            Handler<HttpServerRequest> handler, Handler<HttpServerRequest> invalidRequestHandler) {
        HttpServerOptions shared = new HttpServerOptions(options);
        if (shared.getPort() == 0) {
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(shared.getHost()))) {
                shared.setPort(probe.getLocalPort());
            } catch (IOException e) {
                return Future.failedFuture(e);
            }
        }
        HttpServers all = new HttpServers();
        return vertx.deployVerticle(() -> new VerticleBase() {
            @Override
            public Future<?> start() {
                HttpServer server = vertx.createHttpServer(shared).requestHandler(handler)
                        .invalidRequestHandler(invalidRequestHandler);
                all.servers.add(server);
                return server.listen();
            }
        }, new DeploymentOptions().setInstances(instances)).map(id -> all);
    }

    int port() {
        return servers.get(0).actualPort();
    }

    int instances() {
        return servers.size();
    }

    /** Stops accepting and lets requests in flight finish, up to the timeout. */
    Future<Void> shutdown(long timeoutMillis) {
        return Future.all(servers.stream().map(s -> s.shutdown(timeoutMillis, TimeUnit.MILLISECONDS)).toList())
                .mapEmpty();
    }
}
