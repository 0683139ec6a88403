package com.hushryd.realtime;

import com.hushryd.rooms.Room;
import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.auth.Principal;
import com.hushryd.auth.Role;
import com.hushryd.auth.TokenService;
import com.hushryd.common.ApiException;
import com.hushryd.common.Errors;
import com.hushryd.common.RouteClass;
import com.hushryd.auth.SessionCheck;
import com.hushryd.protect.ProtectMetrics;
import com.hushryd.protect.ratelimit.Budget;
import com.hushryd.protect.ratelimit.Decision;
import com.hushryd.protect.ratelimit.Limit;
import com.hushryd.realtime.socketio.ConnectRefused;
import com.hushryd.realtime.socketio.Namespace;
import com.hushryd.realtime.socketio.SioSocket;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application on the main namespace: a CONNECT must carry the API's JWT as {@code {token}}; each socket joins
 * {@code user:{id}} (admins also {@code sos:alerts}) and the rooms of the user's open conversations; the socket is
 * disconnected when its token expires; presence is kept across nodes and {@code presence:update} goes to the user's
 * conversation rooms when they come online or go offline.
 */
public final class RealtimeApp {
    private static final Logger log = LoggerFactory.getLogger(RealtimeApp.class);
    private static final String EXPIRY_TIMER = "expiryTimer";
    private static final String LIMIT_NOTICE = "limitNoticeAt";
    private static final String EVENT_BUDGET = "eventBudget";

    private final Vertx vertx;
    private final WorkerExecutor workers;
    private final TokenService tokens;
    private final SessionCheck sessions;
    private final PresenceStore presence;
    private final RealtimeGateway gateway;
    private final String nodeId;
    private final Clock clock;
    /** This node's connected sockets, by user (presence keys and session re-checks are derived from it). */
    private final ConcurrentHashMap<UUID, Set<SioSocket>> userSockets = new ConcurrentHashMap<>();
    private final java.util.concurrent.CopyOnWriteArrayList<Interest> interests =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Rooms a user's sockets join on connect, and that hear the user's presence changes (e.g. conversations). */
    @FunctionalInterface
    public interface Interest {
        List<String> roomsOf(UUID userId) throws Exception;
    }

    /**
     * @param sessions checks, before a socket connects, that its token has not been revoked (logout, password change),
     *                 as the HTTP API does before each request
     */
    private volatile com.hushryd.auth.AdminPolicy sosDeskNetworks;

    public RealtimeApp(Vertx vertx, WorkerExecutor workers, TokenService tokens, SessionCheck sessions,
            PresenceStore presence, RealtimeGateway gateway, String nodeId, Clock clock) {
        this.vertx = vertx;
        this.workers = workers;
        this.tokens = tokens;
        this.sessions = sessions;
        this.presence = presence;
        this.gateway = gateway;
        this.nodeId = nodeId;
        this.clock = clock;
    }

    public void addInterest(Interest interest) {
        interests.add(interest);
    }

    public void install(Namespace main) {
        main.authorizer(this::authorize)
                .beforeConnect(this::prepare)
                .onConnection(this::connected)
                .onDisconnect(this::disconnected)
                .onUnknownEvent((socket, args, ack) -> {
                    if (ack != null) {
                        ack.send(Replies.error(ApiException.badRequest("UNKNOWN_EVENT", "no such event")));
                    }
                });
    }

    /**
     * A budget of events per socket (RATE_LIMIT_SOCKET_EVENTS): an event beyond it is not run; its ack answers
     * {@code RATE_LIMITED} with {@code retryAfterMs}; without an ack the client hears {@code rate:limited} (at most
     * once a second). Each refusal counts in {@code metrics} under the limit's name.
     */
    public static Namespace.EventGuard eventBudget(Limit limit, ProtectMetrics metrics) {
        return (socket, event, ack) -> {
            Budget budget = socket.attribute(EVENT_BUDGET);
            if (budget == null) {
                budget = new Budget(limit);
                socket.attribute(EVENT_BUDGET, budget);
            }
            Decision d = budget.take();
            if (d.allowed()) {
                return true;
            }
            metrics.rateLimit(limit.name(), false);
            long retryAfterMillis = Math.max(1, d.resetMillis());
            ApiException e = new ApiException(429, "RATE_LIMITED", "too many events on this socket; '" + event
                    + "' was not processed; retry after " + retryAfterMillis + " ms",
                    Map.of("event", event, "retryAfterMs", retryAfterMillis), null);
            if (ack != null) {
                ack.send(Replies.error(e));
                return false;
            }
            Long told = socket.attribute(LIMIT_NOTICE);
            long now = System.nanoTime();
            if (told == null || now - told > 1_000_000_000L) {
                socket.attribute(LIMIT_NOTICE, now);
                socket.emit("rate:limited", Errors.body(e));
            }
            return false;
        };
    }

    /**
     * Re-checks the tokens of a user's sockets on this node (all users' when {@code userId} is null, in batches: see
     * {@link SessionCheck#refused}) after their revocations changed: a socket whose token was revoked hears
     * {@code session:revoked} and is disconnected.
     */
    public void recheckSessions(UUID userId) {
        List<SioSocket> sockets = new java.util.ArrayList<>();
        if (userId == null) {
            userSockets.values().forEach(sockets::addAll);
        } else {
            sockets.addAll(userSockets.getOrDefault(userId, Set.of()));
        }
        if (sockets.isEmpty()) {
            return;
        }
        workers.executeBlocking(() -> {
            Set<Principal> principals = new java.util.HashSet<>();
            sockets.forEach(socket -> principals.add(socket.user()));
            Map<Principal, ApiException> refused = sessions.refused(principals);
            for (SioSocket socket : sockets) {
                ApiException e = refused.get(socket.user());
                if (e != null) {
                    socket.emit("session:revoked", Map.of("code", e.code(), "message", e.getMessage()));
                    socket.disconnect();
                }
            }
            return null;
        }, false).onFailure(e -> log.warn("re-checking the sessions of {} failed (retried by the next sweep): {}",
                userId == null ? "every user" : userId, e.toString()));
    }

    /**
     * Re-checks every socket of this node every {@code every} (the session cache TTL), so that a change no
     * invalidation announced (a role or deletion written in SQL, or an invalidation lost while Redis was down)
     * disconnects the sockets it ends within about twice that time, as the HTTP API refuses their requests within it.
     */
    public long startSessionSweep(Duration every) {
        return vertx.setPeriodic(Math.max(1000, every.toMillis()), id -> recheckSessions(null));
    }

    /**
     * Starts the presence heartbeat: refresh this node's sockets and sweep expired ones every {@code ttl / 3}, and at
     * once when the presence store is back after an outage (so that sockets are online again within seconds).
     */
    public long startHeartbeat(Duration ttl) {
        presence.onReturn(this::heartbeat);
        return vertx.setPeriodic(Math.max(1000, ttl.toMillis() / 3), id -> heartbeat());
    }

    private void heartbeat() {
        workers.executeBlocking(() -> {
            presence.refresh(localSockets());
            for (UUID user : presence.sweep()) {
                announce(user, false, presence.get(user).lastSeen());
            }
            return null;
        }, false).onFailure(e -> log.warn("presence heartbeat failed: {}", e.toString()));
    }

    private Object authorize(JsonNode auth, com.hushryd.realtime.engineio.EngineSession session) throws ConnectRefused {
        JsonNode token = auth.get("token");
        String raw = token != null && token.isTextual() ? token.asText() : bearer(session);
        if (raw == null || raw.isBlank()) {
            throw new ConnectRefused("authentication required: send {\"token\":\"<access token>\"} when connecting",
                    Map.of("code", "UNAUTHORIZED"));
        }
        try {
            return tokens.verify(raw);
        } catch (ApiException e) {
            throw new ConnectRefused(e.getMessage(), Map.of("code", e.code()));
        }
    }

    private static String bearer(com.hushryd.realtime.engineio.EngineSession session) {
        String h = session.handshakeHeaders().get("Authorization");
        if (h != null) {
            return h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : null;
        }
        return consoleSession(session.handshakeHeaders());
    }

    /**
     * Admits admin sockets to the SOS desk ({@code sos:alerts}) only from the networks admin endpoints answer
     * (ADMIN_ALLOWED_CIDRS, the client as TRUSTED_PROXIES resolves it); elsewhere an admin's socket is an ordinary one.
     */
    public void sosDeskNetworks(com.hushryd.auth.AdminPolicy networks) {
        this.sosDeskNetworks = networks;
    }

    private boolean sosDeskAllowed(SioSocket socket) {
        com.hushryd.auth.AdminPolicy networks = sosDeskNetworks;
        return networks == null || networks.networkAllowed(socket.remoteAddress(),
                socket.handshakeHeader("X-Forwarded-For"));
    }

    /** The console's session cookie (decision 0066), from a same-origin handshake only. */
    private static String consoleSession(io.vertx.core.MultiMap headers) {
        return com.hushryd.http.SessionCookies.sameOriginSession(headers.get("Cookie"), headers.get("Origin"),
                headers.get("Host"));
    }

    /**
     * Refuses a revoked token, then joins the socket's rooms and registers its presence, before the client hears it is
     * connected.
     */
    private java.util.concurrent.CompletionStage<?> prepare(SioSocket socket) {
        Principal p = socket.user();
        return workers.executeBlocking(() -> {
            try {
                sessions.check(p, RouteClass.NORMAL);
            } catch (ApiException e) {
                throw new ConnectRefused(e.getMessage(), Map.of("code", e.code()));
            }
            socket.join(Room.user(p.userId()).name());
            if (p.role() == Role.ADMIN && sosDeskAllowed(socket)) {
                socket.join(Room.SOS_ALERTS.name());
            }
            userSockets.computeIfAbsent(p.userId(), u -> ConcurrentHashMap.newKeySet()).add(socket);
            for (Interest i : interests) {
                for (String room : i.roomsOf(p.userId())) {
                    socket.join(room);
                }
            }
            boolean cameOnline;
            try {
                cameOnline = presence.connected(p.userId(), presenceKey(socket));
            } catch (RuntimeException e) {
                // presence is not worth refusing a socket for (it may be watching a trip): the heartbeat registers
                // it once the store is back
                log.warn("presence not registered for {} ({}); connecting anyway", p.userId(), e.toString());
                cameOnline = false;
            }
            if (cameOnline) {
                announce(p.userId(), true, clock.instant());
            }
            return null;
        }, false).toCompletionStage();
    }

    private void connected(SioSocket socket) {
        Principal p = socket.user();
        long untilExpiry = Math.max(1, Duration.between(clock.instant(), p.expiresAt()).toMillis());
        socket.attribute(EXPIRY_TIMER, vertx.setTimer(untilExpiry, t -> {
            socket.emit("session:expired", Map.of("message", "access token expired; reconnect with a new one"));
            socket.disconnect();
        }));
    }

    private void disconnected(SioSocket socket, String reason) {
        Long timer = socket.attribute(EXPIRY_TIMER);
        if (timer != null) {
            vertx.cancelTimer(timer);
        }
        Principal p = socket.user();
        String key = presenceKey(socket);
        userSockets.computeIfPresent(p.userId(), (u, sockets) -> {
            sockets.remove(socket);
            return sockets.isEmpty() ? null : sockets;
        });
        workers.executeBlocking(() -> {
            if (presence.disconnected(p.userId(), key)) {
                announce(p.userId(), false, clock.instant());
            }
            return null;
        }, false).onFailure(e -> log.warn("presence update for {} failed: {}", p.userId(), e.toString()));
    }

    /** Blocking: looks up the user's interested rooms. */
    private void announce(UUID userId, boolean online, Instant lastSeen) throws Exception {
        Map<String, Object> event = new java.util.LinkedHashMap<>();
        event.put("userId", userId);
        event.put("online", online);
        event.put("lastSeen", lastSeen);
        for (Interest i : interests) {
            for (String room : i.roomsOf(userId)) {
                gateway.broadcastToRoom(room, "presence:update", event);
            }
        }
    }

    /** Sockets of this node, by user, as presence keys ({@code nodeId/socketId}); for presence, tests and statistics. */
    public Map<UUID, Set<String>> localSockets() {
        Map<UUID, Set<String>> keys = new java.util.HashMap<>();
        userSockets.forEach((user, sockets) -> keys.put(user,
                sockets.stream().map(this::presenceKey).collect(java.util.stream.Collectors.toUnmodifiableSet())));
        return keys;
    }

    private String presenceKey(SioSocket socket) {
        return nodeId + "/" + socket.id();
    }

}
