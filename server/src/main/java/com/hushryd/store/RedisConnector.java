package com.hushryd.store;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import java.time.Duration;

/**
 * Builds Lettuce clients for a {@link RedisUrl}. Connections reconnect by themselves; commands time out instead of
 * waiting forever, so a Redis outage surfaces as errors the callers can fall back from.
 */
public final class RedisConnector {
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

    private RedisConnector() {
    }

    public static RedisURI uri(RedisUrl url, String clientName) {
        RedisURI.Builder b = RedisURI.builder()
                .withHost(url.host())
                .withPort(url.port())
                .withDatabase(url.database())
                .withSsl(url.tls())
                .withTimeout(COMMAND_TIMEOUT)
                .withClientName(clientName);
        if (url.password() != null) {
            if (url.username() != null) {
                b.withAuthentication(url.username(), url.password().toCharArray());
            } else {
                b.withPassword(url.password().toCharArray());
            }
        }
        return b.build();
    }

    public static RedisClient client(RedisUrl url, String clientName) {
        RedisClient client = RedisClient.create(uri(url, clientName));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(5)).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                // while disconnected, fail commands at once rather than buffering them without bound
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .build());
        return client;
    }
}
