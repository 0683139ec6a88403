package com.hushryd.store;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

/**
 * One component's client to Redis, whichever form {@code REDIS_URL} names: a single Redis ({@link RedisClient}) or a
 * Redis Cluster ({@link RedisClusterClient}, topology refreshed periodically and on MOVED/ASK/reconnects, reads from
 * masters). The adapters speak to both through the commands a cluster accepts ({@link RedisClusterAsyncCommands}):
 * single-key commands, and scripts and multi-key commands whose keys share one hash tag. Not thread-safe to create;
 * its connections are thread-safe. Closing it closes its connections.
 */
public final class RedisLink implements AutoCloseable {
    private final RedisUrl url;
    private final AbstractRedisClient client;

    private RedisLink(RedisUrl url, AbstractRedisClient client) {
        this.url = url;
        this.client = client;
    }

    /** A client for {@code url}; connecting happens in {@link #connect}. */
    public static RedisLink open(RedisUrl url, String clientName) {
        return new RedisLink(url, url.cluster() ? RedisConnector.clusterClient(url, clientName)
                : RedisConnector.client(url, clientName));
    }

    /** A connection: commands that a Redis Cluster routes by key, or a single Redis runs. */
    public interface Connection<K, V> extends AutoCloseable {
        RedisClusterAsyncCommands<K, V> async();

        RedisClusterCommands<K, V> sync();

        StatefulConnection<K, V> stateful();

        default boolean isOpen() {
            return stateful().isOpen();
        }

        /**
         * Waits until what this connection wrote to the master holding {@code key} reached one of its replicas
         * ({@code WAIT 1}), so that it survives that master's failure; true at once when the master has no replica
         * (one Redis, or a cluster without replicas: nothing more can be had). False if no replica confirmed within a little
         * less than {@code timeout}.
         */
        default boolean replicated(String key, java.time.Duration timeout) {
            if (!(stateful() instanceof StatefulRedisClusterConnection<K, V> c)) {
                return true;
            }
            var partitions = c.getPartitions();
            var master = partitions.getMasterBySlot(io.lettuce.core.cluster.SlotHash.getSlot(key));
            if (master == null) {
                return false;
            }
            boolean hasReplica = partitions.stream().anyMatch(n -> master.getNodeId().equals(n.getSlaveOf())
                    && !n.is(io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag.FAIL));
            if (!hasReplica) {
                return true;
            }
            // the connection that routed the writes to that master (Lettuce keys it by host and port): WAIT counts
            // the replicas that acknowledged this connection's writes
            var node = c.getConnection(master.getUri().getHost(), master.getUri().getPort()).sync();
            // WAIT's own timeout stays under the command timeout, so that a late replica reads as unconfirmed
            // (false) rather than as a client-side timeout
            try {
                return node.waitForReplication(1, Math.max(100, timeout.toMillis() - 250)) >= 1;
            } catch (io.lettuce.core.RedisCommandTimeoutException e) {
                return false;
            }
        }

        @Override
        default void close() {
            stateful().close();
        }
    }

    public boolean cluster() {
        return client instanceof RedisClusterClient;
    }

    public RedisUrl url() {
        return url;
    }

    public Connection<String, String> connect() {
        return connect(StringCodec.UTF8);
    }

    public <K, V> Connection<K, V> connect(RedisCodec<K, V> codec) {
        if (client instanceof RedisClusterClient c) {
            StatefulRedisClusterConnection<K, V> s = c.connect(codec);
            return new Opened<>(s.async(), s.sync(), s);
        }
        StatefulRedisConnection<K, V> s = ((RedisClient) client).connect(codec);
        return new Opened<>(s.async(), s.sync(), s);
    }

    /** A connection of either kind, as the commands both kinds share. */
    private record Opened<K, V>(RedisClusterAsyncCommands<K, V> async, RedisClusterCommands<K, V> sync,
            StatefulConnection<K, V> stateful) implements Connection<K, V> {
    }

    /**
     * A pub/sub connection; on a cluster a {@link StatefulRedisClusterPubSubConnection} whose node connections pass
     * their messages to its listeners (classic {@code SUBSCRIBE} is served by any node: every node gets every
     * classic {@code PUBLISH}).
     */
    public <K, V> StatefulRedisPubSubConnection<K, V> connectPubSub(RedisCodec<K, V> codec) {
        if (client instanceof RedisClusterClient c) {
            StatefulRedisClusterPubSubConnection<K, V> s = c.connectPubSub(codec);
            s.setNodeMessagePropagation(true);
            return s;
        }
        return ((RedisClient) client).connectPubSub(codec);
    }

    /** See {@link RedisConnector#onReconnect}. */
    public void onReconnect(Runnable onReturn) {
        RedisConnector.onReconnect(client, onReturn);
    }

    public void addListener(RedisConnectionStateListener listener) {
        client.addListener(listener);
    }

    /** The Lettuce client, for what only one form offers (the cluster's topology). */
    public AbstractRedisClient client() {
        return client;
    }

    @Override
    public void close() {
        client.shutdown();
    }
}
