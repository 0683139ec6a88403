package com.hushryd.store;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Builds Lettuce clients for a {@link RedisUrl}. Connections reconnect by themselves, retrying at least every
 * {@link #RECONNECT_AT_MOST} (Lettuce's default backs off to 30 s, so a node noticed a returned Redis up to 30 s
 * late); commands time out instead of waiting forever, so a Redis outage surfaces as errors the callers can fall back
 * from.
 */
public final class RedisConnector {
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
    /** The longest pause between two reconnection attempts. */
    public static final Duration RECONNECT_AT_MOST = Duration.ofMillis(500);
    /**
     * How long after one of its connections came back a node waits before publishing what it held during an outage:
     * every node's connections retry at least every {@link #RECONNECT_AT_MOST}, so by then the other nodes have
     * reconnected and subscribed again, and the messages are not published to nobody.
     */
    public static final Duration SETTLE = RECONNECT_AT_MOST.multipliedBy(2);

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

    private static ClientResources resources() {
        return DefaultClientResources.builder()
                // 1, 2, 4 … ms, then every 0.5 s: back within half a second of Redis's return, whatever the outage
                .reconnectDelay(Delay.exponential(Duration.ofMillis(1), RECONNECT_AT_MOST, 2, TimeUnit.MILLISECONDS))
                .build();
    }

    /** Commands a cluster client queues per node connection while that node is (re)connecting. */
    public static final int CLUSTER_QUEUE_AT_MOST = 10_000;

    /** How often a cluster client re-reads the topology even when nothing told it the slots moved. */
    public static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(10);

    /**
     * A Redis Cluster client for a {@code redis-cluster://} URL: topology from the seeds, refreshed every
     * {@link #TOPOLOGY_REFRESH} and at once (at most every 500 ms) on MOVED/ASK redirections, persistent
     * reconnection attempts and unknown nodes, so a failover or a resharding is followed without a node restart;
     * reads and writes go to the masters.
     */
    public static RedisClusterClient clusterClient(RedisUrl url, String clientName) {
        ClientResources resources = resources();
        java.util.List<RedisURI> seeds = new java.util.ArrayList<>();
        for (RedisUrl.Seed s : url.seeds()) {
            seeds.add(uri(new RedisUrl(s.host(), s.port(), url.username(), url.password(), 0, url.tls(), false,
                    java.util.List.of(s)), clientName));
        }
        RedisClusterClient client = new OwnResourcesClusterClient(resources, seeds);
        client.setOptions(ClusterClientOptions.builder()
                .autoReconnect(true)
                .socketOptions(SocketOptions.builder().connectTimeout(COMMAND_TIMEOUT).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                // node connections open on first use (and to a new master after a failover): a command for a node
                // not connected yet waits for it, bounded by the queue and the command timeout, instead of failing
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                .requestQueueSize(CLUSTER_QUEUE_AT_MOST)
                .maxRedirects(5)
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(TOPOLOGY_REFRESH)
                        .enableAllAdaptiveRefreshTriggers()
                        .adaptiveRefreshTriggersTimeout(Duration.ofMillis(500))
                        .refreshTriggersReconnectAttempts(2)
                        .dynamicRefreshSources(true)
                        .closeStaleConnections(true)
                        .build())
                .build());
        return client;
    }

    public static RedisClient client(RedisUrl url, String clientName) {
        ClientResources resources = resources();
        RedisClient client = new OwnResourcesClient(resources, uri(url, clientName));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .socketOptions(SocketOptions.builder().connectTimeout(COMMAND_TIMEOUT).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                // while disconnected, fail commands at once rather than buffering them without bound
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .build());
        return client;
    }

    /**
     * Calls {@code onReturn} (on a Lettuce thread: it must not block) each time one of the client's connections is
     * connected again after it was lost; the first connection of each does not count.
     */
    public static void onReconnect(io.lettuce.core.AbstractRedisClient client, Runnable onReturn) {
        Set<RedisChannelHandler<?, ?>> lost = ConcurrentHashMap.newKeySet();
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                lost.add(connection);
            }

            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                if (lost.remove(connection)) {
                    onReturn.run();
                }
            }
        });
    }

    /**
     * Whether {@code e} (or a cause) is Redis failing: unreachable, not answering in time, or refusing commands it would
     * normally run (loading its data after a restart, a read-only replica during a failover, out of memory).
     */
    public static boolean redisFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof io.lettuce.core.RedisException || t instanceof java.io.IOException
                    || t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** After a client's own shutdown, its resources' shutdown; fails with the client's failure if it had one. */
    private static CompletableFuture<Void> alsoShutDown(CompletableFuture<Void> client, ClientResources resources,
            long quietPeriod, long timeout, TimeUnit unit) {
        return client.handle((v, e) -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            resources.shutdown(quietPeriod, timeout, unit).addListener(f -> {
                if (e != null) {
                    done.completeExceptionally(e);
                } else {
                    done.complete(null);
                }
            });
            return done;
        }).thenCompose(f -> f);
    }

    /** A cluster client that owns its resources (its own reconnect delay): they are shut down with it. */
    private static final class OwnResourcesClusterClient extends RedisClusterClient {
        private final ClientResources resources;

        OwnResourcesClusterClient(ClientResources resources, java.util.List<RedisURI> seeds) {
            super(resources, seeds);
            this.resources = resources;
        }

        @Override
        public CompletableFuture<Void> shutdownAsync(long quietPeriod, long timeout, TimeUnit unit) {
            return alsoShutDown(super.shutdownAsync(quietPeriod, timeout, unit), resources, quietPeriod, timeout,
                    unit);
        }
    }

    /** A client that owns its resources (its own reconnect delay): they are shut down with it. */
    private static final class OwnResourcesClient extends RedisClient {
        private final ClientResources resources;

        OwnResourcesClient(ClientResources resources, RedisURI uri) {
            super(resources, uri);
            this.resources = resources;
        }

        @Override
        public CompletableFuture<Void> shutdownAsync(long quietPeriod, long timeout, TimeUnit unit) {
            return alsoShutDown(super.shutdownAsync(quietPeriod, timeout, unit), resources, quietPeriod, timeout,
                    unit);
        }
    }
}
