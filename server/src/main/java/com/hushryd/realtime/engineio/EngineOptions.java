package com.hushryd.realtime.engineio;

import java.time.Duration;
import java.util.List;

/**
 * Engine.IO settings of a node.
 *
 * @param pingInterval     how often the server pings each client
 * @param pingTimeout      how long a client has to answer a ping before its session is closed
 * @param maxPayload       the largest packet (WebSocket message) or polling request body accepted, in bytes
 * @param maxBufferedBytes outbound bytes allowed to queue for one client before it is disconnected as too slow
 * @param upgradeTimeout   how long a polling session may take to complete an upgrade to WebSocket
 * @param corsOrigins      origins allowed to poll from a browser ({@code *} for any)
 * @param bodyTimeout      how long a polling POST may take to deliver its body (then 408 and the connection is closed)
 * @param route            this node's route name, prefixed to every session id it creates ({@code route.random}) so
 *                         that a load balancer can send a session's polling requests back to it; empty for none
 */
public record EngineOptions(Duration pingInterval, Duration pingTimeout, int maxPayload, int maxBufferedBytes,
        Duration upgradeTimeout, List<String> corsOrigins, Duration bodyTimeout, String route) {

    public static final String PATH = "/socket.io/";
    private static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(15);

    /** Separates the route name from the random part of a session id; outside base64url, so never ambiguous. */
    public static final char ROUTE_SEPARATOR = '.';

    public EngineOptions {
        corsOrigins = List.copyOf(corsOrigins);
        route = route == null ? "" : route;
    }

    /** Options without a route name. */
    public EngineOptions(Duration pingInterval, Duration pingTimeout, int maxPayload, int maxBufferedBytes,
            Duration upgradeTimeout, List<String> corsOrigins, Duration bodyTimeout) {
        this(pingInterval, pingTimeout, maxPayload, maxBufferedBytes, upgradeTimeout, corsOrigins, bodyTimeout, "");
    }

    /** Options with the default body timeout (that of HTTP_BODY_TIMEOUT). */
    public EngineOptions(Duration pingInterval, Duration pingTimeout, int maxPayload, int maxBufferedBytes,
            Duration upgradeTimeout, List<String> corsOrigins) {
        this(pingInterval, pingTimeout, maxPayload, maxBufferedBytes, upgradeTimeout, corsOrigins,
                DEFAULT_BODY_TIMEOUT);
    }

    /** Socket.IO's own defaults. */
    public static EngineOptions defaults() {
        return new EngineOptions(Duration.ofSeconds(25), Duration.ofSeconds(20), 1_000_000, 1 << 20,
                Duration.ofSeconds(10), List.of("*"));
    }
}
