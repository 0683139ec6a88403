package com.hushryd.realtime.engineio;

import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Engine.IO v4 server on {@value EngineOptions#PATH}: handshakes, HTTP long-polling, WebSocket and the upgrade
 * between them. Bad handshakes get HTTP 400 with the Engine.IO error JSON. Sessions are confined to the event loop
 * that opened them; polling requests arriving on other event loops are handed over to it.
 */
public final class EngineServer {
    private static final Logger log = LoggerFactory.getLogger(EngineServer.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final EngineOptions options;
    private final EngineListener listener;
    private final ConcurrentHashMap<String, EngineSession> sessions = new ConcurrentHashMap<>();
    private final AtomicInteger webSockets = new AtomicInteger();
    private final AtomicLong slowConsumers = new AtomicLong();
    private final AtomicLong badHandshakes = new AtomicLong();
    private final String pollingOpenSuffix;
    private final String webSocketOpenSuffix;
    private final String sidPrefix;

    public EngineServer(EngineOptions options, EngineListener listener) {
        this.options = options;
        this.listener = listener;
        String common = ",\"pingInterval\":" + options.pingInterval().toMillis() + ",\"pingTimeout\":"
                + options.pingTimeout().toMillis() + ",\"maxPayload\":" + options.maxPayload() + "}";
        this.pollingOpenSuffix = "\",\"upgrades\":[\"websocket\"]" + common;
        this.webSocketOpenSuffix = "\",\"upgrades\":[]" + common;
        this.sidPrefix = options.route().isEmpty() ? "" : options.route() + EngineOptions.ROUTE_SEPARATOR;
    }

    EngineOptions options() {
        return options;
    }

    EngineListener listener() {
        return listener;
    }

    String openPacket(String sid, boolean polling) {
        return "{\"sid\":\"" + sid + (polling ? pollingOpenSuffix : webSocketOpenSuffix);
    }

    /** Open sessions on this node. */
    public int sessions() {
        return sessions.size();
    }

    /** Sessions on this node whose transport is a WebSocket. */
    public int webSocketSessions() {
        return webSockets.get();
    }

    public long slowConsumerDisconnects() {
        return slowConsumers.get();
    }

    public long badHandshakes() {
        return badHandshakes.get();
    }

    void slowConsumer() {
        slowConsumers.incrementAndGet();
    }

    void upgraded(EngineSession session) {
        webSockets.incrementAndGet();
    }

    void removed(EngineSession session) {
        if (sessions.remove(session.sid(), session) && session.transport() == EngineSession.Transport.WEBSOCKET) {
            webSockets.decrementAndGet();
        }
    }

    /** Closes every session (graceful shutdown). */
    public void closeAll(String reason) {
        for (EngineSession s : sessions.values()) {
            s.context().runOnContext(v -> s.close(reason));
        }
    }

    /** Handles one HTTP request for {@value EngineOptions#PATH} (polling, or a WebSocket upgrade). */
    public void handle(HttpServerRequest req) {
        if (req.method() == HttpMethod.OPTIONS) {
            cors(req);
            req.response().setStatusCode(204).end();
            return;
        }
        try {
            req.params(); // decodes the whole query string once; a bad %-escape must not escape as an exception
        } catch (IllegalArgumentException e) {
            log.debug("Engine.IO request with an undecodable query: {}", e.getMessage());
            error(req, EngineError.BAD_REQUEST);
            return;
        }
        String eio = req.getParam("EIO");
        if (!"4".equals(eio)) {
            error(req, EngineError.UNSUPPORTED_PROTOCOL_VERSION);
            return;
        }
        String transport = req.getParam("transport");
        boolean polling = "polling".equals(transport);
        if (!polling && !"websocket".equals(transport)) {
            error(req, EngineError.UNKNOWN_TRANSPORT);
            return;
        }
        String sid = req.getParam("sid");
        if (sid == null) {
            handshake(req, polling);
            return;
        }
        EngineSession session = sessions.get(sid);
        if (session == null) {
            error(req, EngineError.UNKNOWN_SID);
            return;
        }
        if (polling) {
            poll(req, session);
        } else if (req.method() == HttpMethod.GET && req.canUpgradeToWebSocket()) {
            upgrade(req, session);
        } else {
            error(req, EngineError.BAD_REQUEST);
        }
    }

    private void handshake(HttpServerRequest req, boolean polling) {
        if (req.method() != HttpMethod.GET) {
            error(req, EngineError.BAD_HANDSHAKE_METHOD);
            return;
        }
        Context ctx = Vertx.currentContext();
        String remote = req.remoteAddress() == null ? null : req.remoteAddress().host();
        if (polling) {
            EngineSession session = new EngineSession(newSid(), ctx, this, EngineSession.Transport.POLLING, remote,
                    req.headers());
            sessions.put(session.sid(), session);
            Buffer open = session.openWithPolling();
            cors(req);
            req.response().putHeader("Content-Type", "text/plain; charset=UTF-8").end(open);
            return;
        }
        if (!req.canUpgradeToWebSocket()) {
            error(req, EngineError.BAD_REQUEST);
            return;
        }
        req.toWebSocket().onSuccess(ws -> openWebSocket(ctx, ws, remote, req.headers()))
                .onFailure(e -> log.debug("WebSocket handshake failed: {}", e.toString()));
    }

    /**
     * Opens a session straight over an accepted WebSocket (the last step of a WebSocket handshake), confined to the
     * calling thread with {@code ctx} for its timers. Public so that benchmarks can drive sessions over an in-memory
     * WebSocket; a server only calls it from the handshake, on the connection's event loop.
     */
    public EngineSession openWebSocket(Context ctx, ServerWebSocket ws, String remoteAddress, MultiMap headers) {
        EngineSession session = new EngineSession(newSid(), ctx, this, EngineSession.Transport.WEBSOCKET,
                remoteAddress, headers);
        sessions.put(session.sid(), session);
        webSockets.incrementAndGet();
        session.openWithWebSocket(ws);
        return session;
    }

    private void poll(HttpServerRequest req, EngineSession session) {
        if (session.transport() != EngineSession.Transport.POLLING) {
            error(req, EngineError.BAD_REQUEST);
            return;
        }
        if (req.method() == HttpMethod.GET) {
            onContext(session, () -> session.onPollingGet(req));
        } else if (req.method() == HttpMethod.POST) {
            readBody(req, session);
        } else {
            error(req, EngineError.BAD_REQUEST);
        }
    }

    private void readBody(HttpServerRequest req, EngineSession session) {
        String length = req.getHeader("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length) > options.maxPayload()) {
                    tooLarge(req, session);
                    return;
                }
            } catch (NumberFormatException e) {
                error(req, EngineError.BAD_REQUEST);
                return;
            }
        }
        Buffer body = Buffer.buffer();
        boolean[] failed = {false};
        // a Content-Length larger than what comes would hold the request until the idle timeout
        Vertx vertx = Vertx.currentContext().owner();
        long timer = vertx.setTimer(Math.max(1, options.bodyTimeout().toMillis()), id -> {
            if (!req.isEnded() && !failed[0] && !req.response().closed()) {
                failed[0] = true;
                cors(req);
                req.response().setStatusCode(408).putHeader("Content-Type", "application/json")
                        .putHeader("Connection", "close")
                        .end("{\"code\":3,\"message\":\"Request body timeout\"}")
                        .onComplete(ar -> req.connection().close());
            }
        });
        req.handler(chunk -> {
            if (failed[0]) {
                return;
            }
            if (body.length() + chunk.length() > options.maxPayload()) {
                failed[0] = true;
                tooLarge(req, session);
                return;
            }
            body.appendBuffer(chunk);
        });
        req.endHandler(v -> {
            vertx.cancelTimer(timer);
            if (!failed[0]) {
                onContext(session, () -> session.onPollingPost(req, body));
            }
        });
        req.exceptionHandler(e -> log.debug("polling POST failed: {}", e.toString()));
    }

    private void tooLarge(HttpServerRequest req, EngineSession session) {
        cors(req);
        req.response().setStatusCode(413).putHeader("Content-Type", "application/json")
                .putHeader("Connection", "close")
                .end("{\"code\":3,\"message\":\"Payload too large\"}");
        onContext(session, () -> session.close("payload too large"));
    }

    /**
     * A WebSocket with the sid of an open session. Only the first, during a polling session, may probe and upgrade;
     * one arriving while an upgrade is under way or after it is accepted and then closed at once, as the reference
     * server does ({@link EngineSession#attachProbe}), so the session's own transport is never disturbed.
     */
    private void upgrade(HttpServerRequest req, EngineSession session) {
        if (session.isClosed()) {
            error(req, EngineError.UNKNOWN_SID);
            return;
        }
        req.toWebSocket().onSuccess(ws -> {
            // the session may live on another event loop: until its handlers are set there, frames wait (the
            // client's 2probe can arrive first, and a frame without a handler is dropped: the probe then times out
            // and the client stays on polling)
            ws.pause();
            onContext(session, () -> session.attachProbe(ws));
        }).onFailure(e -> log.debug("WebSocket upgrade failed: {}", e.toString()));
    }

    private static void onContext(EngineSession session, Runnable task) {
        session.execute(task);
    }

    void error(HttpServerRequest req, EngineError error) {
        if (error != EngineError.UNKNOWN_SID) {
            badHandshakes.incrementAndGet();
        }
        HttpServerResponse resp = req.response();
        if (resp.ended() || resp.closed()) {
            return;
        }
        cors(req);
        resp.setStatusCode(400).putHeader("Content-Type", "application/json").end(error.json());
    }

    void cors(HttpServerRequest req) {
        String origin = req.getHeader("Origin");
        if (origin == null) {
            return;
        }
        boolean any = options.corsOrigins().contains("*");
        if (any || options.corsOrigins().contains(origin)) {
            HttpServerResponse resp = req.response();
            resp.putHeader("Access-Control-Allow-Origin", any ? "*" : origin);
            if (!any) {
                resp.putHeader("Vary", "Origin");
            }
            if (req.method() == HttpMethod.OPTIONS) {
                resp.putHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
                String headers = req.getHeader("Access-Control-Request-Headers");
                resp.putHeader("Access-Control-Allow-Headers", headers == null ? "Content-Type" : headers);
                resp.putHeader("Access-Control-Max-Age", "86400");
            }
        }
    }

    private String newSid() {
        byte[] b = new byte[15];
        RANDOM.nextBytes(b);
        return sidPrefix + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
