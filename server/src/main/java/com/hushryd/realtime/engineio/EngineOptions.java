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
 */
public record EngineOptions(Duration pingInterval, Duration pingTimeout, int maxPayload, int maxBufferedBytes,
        Duration upgradeTimeout, List<String> corsOrigins) {

    public static final String PATH = "/socket.io/";

    public EngineOptions {
        corsOrigins = List.copyOf(corsOrigins);
    }

    /** Socket.IO's own defaults. */
    public static EngineOptions defaults() {
        return new EngineOptions(Duration.ofSeconds(25), Duration.ofSeconds(20), 1_000_000, 1 << 20,
                Duration.ofSeconds(10), List.of("*"));
    }
}
