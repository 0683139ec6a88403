package com.hushryd.realtime.redis;

import com.hushryd.store.RedisLink;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shard-channel subscriptions on a Redis Cluster: each channel is {@code SSUBSCRIBE}d on the master that owns its
 * slot (Lettuce sends a cluster pub/sub connection's own {@code SSUBSCRIBE} to one node, whatever the slot), through
 * that master's node connection. When the topology changes (a failover, a resharding: Lettuce refreshes it on
 * MOVED, on reconnection attempts and periodically) or a master ends a subscription itself ({@code sunsubscribe}
 * when its slot moves away), every channel whose owner changed is subscribed again on its new owner. Thread-safe.
 */
final class ShardSubscriptions {
    private static final Logger log = LoggerFactory.getLogger(ShardSubscriptions.class);

    private final RedisLink link;
    private final StatefulRedisClusterPubSubConnection<byte[], byte[]> sub;
    private final BiConsumer<byte[], byte[]> onMessage;
    /** Channel → the node id it is subscribed on now (null value: not yet). */
    private final Map<ByteBuffer, String> owners = new ConcurrentHashMap<>();
    private final Map<ByteBuffer, CompletableFuture<Void>> confirmations = new ConcurrentHashMap<>();

    ShardSubscriptions(RedisLink link, StatefulRedisPubSubConnection<byte[], byte[]> sub,
            BiConsumer<byte[], byte[]> onMessage) {
        this.link = link;
        this.sub = (StatefulRedisClusterPubSubConnection<byte[], byte[]>) sub;
        this.onMessage = onMessage;
    }

    void start() {
        sub.addListener(new RedisClusterPubSubAdapter<>() {
            @Override
            public void smessage(RedisClusterNode node, byte[] channel, byte[] message) {
                onMessage.accept(channel, message);
            }

            @Override
            public void sunsubscribed(RedisClusterNode node, byte[] channel, long count) {
                ByteBuffer key = ByteBuffer.wrap(channel);
                // ended by the master (its slot moved), not by us: the channel is still wanted
                if (owners.containsKey(key) && node.getNodeId().equals(owners.get(key))) {
                    owners.put(key, "");
                    link.client().getResources().eventExecutorGroup().execute(() -> route(key, true));
                }
            }
        });
        link.client().getResources().eventBus().get().subscribe(event -> {
            if (event instanceof ClusterTopologyChangedEvent) {
                resubscribeMoved();
            }
        });
    }

    void subscribe(byte[] channel) {
        ByteBuffer key = ByteBuffer.wrap(channel.clone());
        owners.put(key, "");
        route(key, false);
    }

    void unsubscribe(byte[] channel) {
        ByteBuffer key = ByteBuffer.wrap(channel);
        String owner = owners.remove(key);
        confirmations.remove(key);
        if (owner != null && !owner.isEmpty()) {
            try {
                sub.getConnection(owner).async().sunsubscribe(channel);
            } catch (RuntimeException e) {
                log.debug("realtime broker: unsubscribing from a shard channel failed: {}", e.toString());
            }
        }
    }

    /** Completes once every one of these channels is subscribed on its owner. */
    CompletionStage<Void> confirmed(byte[][] channels) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (byte[] c : channels) {
            CompletableFuture<Void> f = confirmations.get(ByteBuffer.wrap(c));
            if (f != null) {
                all.add(f);
            }
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    /** Subscribes every channel again on its current owner (after the subscription connection came back). */
    void resubscribeAll() {
        for (ByteBuffer key : owners.keySet()) {
            route(key, true);
        }
    }

    private void resubscribeMoved() {
        int moved = 0;
        for (Map.Entry<ByteBuffer, String> e : owners.entrySet()) {
            RedisClusterNode now = master(e.getKey());
            if (now == null || !now.getNodeId().equals(e.getValue())) {
                route(e.getKey(), true);
                moved++;
            }
        }
        if (moved > 0) {
            log.info("realtime broker: Redis Cluster topology changed; {} room subscription(s) moved to their new "
                    + "master", moved);
        }
    }

    private RedisClusterNode master(ByteBuffer channel) {
        byte[] bytes = new byte[channel.remaining()];
        channel.duplicate().get(bytes);
        return sub.getPartitions().getMasterBySlot(SlotHash.getSlot(bytes));
    }

    private void route(ByteBuffer key, boolean again) {
        RedisClusterNode node = master(key);
        if (node == null || !owners.containsKey(key)) {
            return;
        }
        byte[] channel = new byte[key.remaining()];
        key.duplicate().get(channel);
        String previous = owners.put(key, node.getNodeId());
        if (again && previous != null && !previous.isEmpty() && !previous.equals(node.getNodeId())) {
            sub.getConnectionAsync(previous).thenAccept(c -> c.async().sunsubscribe(channel))
                    .exceptionally(e -> null); // the old owner may be gone
        }
        CompletableFuture<Void> confirmed = confirmations.computeIfAbsent(key, k -> new CompletableFuture<>());
        sub.getConnectionAsync(node.getNodeId()).thenCompose(c -> c.async().ssubscribe(channel).toCompletableFuture())
                .whenComplete((v, e) -> {
                    if (e == null) {
                        confirmed.complete(null);
                        if (again) {
                            log.debug("realtime broker: shard channel subscribed again on {}", node.getUri());
                        }
                    } else {
                        owners.replace(key, node.getNodeId(), "");
                        log.warn("realtime broker: subscribing to a shard channel on {} failed ({}); retried when "
                                + "the topology changes", node.getUri(), e.toString());
                    }
                });
    }
}
