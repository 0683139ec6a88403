package com.hushryd.cache.redis;

import com.hushryd.cache.RemoteCache;
import com.hushryd.store.RedisLink;
import com.hushryd.store.RedisUrl;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.SetArgs;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis as the second cache level: values under {@code <prefix>c:<namespace>:<generation>:<key>} with their TTL,
 * generations under {@code <prefix>cgen:<namespace>}, invalidations on the channel {@code <prefix>cache:inv}
 * ({@code k|node|namespace|key} and {@code f|node|namespace|generation}).
 */
public final class RedisRemoteCache implements RemoteCache {
    private static final Logger log = LoggerFactory.getLogger(RedisRemoteCache.class);
    private static final byte[] TOMBSTONE = {0};

    private final String prefix;
    private final String nodeId;
    private final byte[] channel;
    private final RedisLink client;
    private final RedisLink.Connection<byte[], byte[]> data;
    private final StatefulRedisPubSubConnection<byte[], byte[]> sub;
    private volatile boolean connected = true;

    public RedisRemoteCache(RedisUrl url, String prefix, String nodeId) {
        this.prefix = prefix;
        this.nodeId = nodeId;
        this.channel = bytes(prefix + "cache:inv");
        this.client = RedisLink.open(url, "hushryd-cache-" + nodeId);
        this.data = client.connect(ByteArrayCodec.INSTANCE);
        this.sub = client.connectPubSub(ByteArrayCodec.INSTANCE);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] key(String namespace, long generation, String key) {
        return bytes(prefix + "c:" + namespace + ":" + generation + ":" + key);
    }

    private byte[] genKey(String namespace) {
        return bytes(prefix + "cgen:" + namespace);
    }

    @Override
    public void start(Listener listener) {
        sub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(byte[] ch, byte[] message) {
                String[] m = new String(message, StandardCharsets.UTF_8).split("\\|", 4);
                if (m.length != 4 || nodeId.equals(m[1])) {
                    return;
                }
                if ("k".equals(m[0])) {
                    listener.onInvalidate(m[2], m[3]);
                } else if ("f".equals(m[0])) {
                    try {
                        listener.onFlush(m[2], Long.parseLong(m[3]));
                    } catch (NumberFormatException e) {
                        log.warn("ignoring a malformed cache invalidation: {}", Arrays.toString(m));
                    }
                }
            }
        });
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                if (connection == sub && !connected) {
                    connected = true;
                    log.info("cache: Redis is back; clearing this node's first level (invalidations may have been "
                            + "missed)");
                    listener.onReconnect();
                }
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                if (connection == sub && connected) {
                    connected = false;
                    log.warn("cache: lost Redis; reads go to the database, first-level entries are trusted for "
                            + "seconds only until it returns");
                }
            }
        });
        sub.sync().subscribe(channel);
    }

    @Override
    public byte[] get(String namespace, long generation, String key) {
        byte[] v = data.sync().get(key(namespace, generation, key));
        return v == null || Arrays.equals(v, TOMBSTONE) ? null : v;
    }

    @Override
    public void putIfAbsent(String namespace, long generation, String key, byte[] value, Duration ttl) {
        data.sync().set(key(namespace, generation, key), value, SetArgs.Builder.nx().px(ttl.toMillis()));
    }

    @Override
    public void invalidate(String namespace, long generation, String key, Duration tombstone) {
        data.sync().set(key(namespace, generation, key), TOMBSTONE, SetArgs.Builder.px(tombstone.toMillis()));
        data.sync().publish(channel, bytes("k|" + nodeId + "|" + namespace + "|" + key));
    }

    @Override
    public long flush(String namespace) {
        long generation = data.sync().incr(genKey(namespace));
        data.sync().publish(channel, bytes("f|" + nodeId + "|" + namespace + "|" + generation));
        return generation;
    }

    @Override
    public Map<String, Long> generations(Collection<String> namespaces) {
        List<String> names = List.copyOf(namespaces);
        Map<String, Long> out = new LinkedHashMap<>();
        if (names.isEmpty()) {
            return out;
        }
        var values = data.sync().mget(names.stream().map(this::genKey).toArray(byte[][]::new));
        for (int i = 0; i < names.size(); i++) {
            byte[] v = values.get(i).getValueOrElse(null);
            out.put(names.get(i), v == null ? 0L : Long.parseLong(new String(v, StandardCharsets.UTF_8)));
        }
        return out;
    }

    @Override
    public void ping() {
        data.sync().ping();
    }

    @Override
    public boolean connected() {
        return connected && sub.isOpen();
    }

    @Override
    public void close() {
        sub.close();
        data.close();
        client.close();
    }
}
