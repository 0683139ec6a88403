package com.hushryd.realtime.redis;

import com.hushryd.realtime.Broker;
import com.hushryd.realtime.engineio.Frame;
import com.hushryd.store.RedisConnector;
import com.hushryd.store.RedisUrl;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis pub/sub broker: one channel per room, {@code hushryd:rt:{<room>}} (the hash tag keeps every room's channel
 * in one slot, ready for sharded pub/sub on Redis Cluster), and one control channel. A node subscribes to a room's
 * channel while it has local members in that room. After a reconnect every subscription is issued again.
 */
public final class RedisBroker implements Broker {
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    static final String PREFIX = "hushryd:rt:{";
    static final byte[] CONTROL_CHANNEL = "hushryd:rt:control".getBytes(StandardCharsets.UTF_8);

    private final String nodeId;
    private final RedisClient client;
    private final StatefulRedisPubSubConnection<byte[], byte[]> sub;
    private final StatefulRedisConnection<byte[], byte[]> pub;
    private final Set<String> rooms = ConcurrentHashMap.newKeySet();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong lastDropLog = new AtomicLong();
    private volatile Receiver receiver;
    private volatile boolean connected = true;

    public RedisBroker(RedisUrl url, String nodeId) {
        this.nodeId = nodeId;
        this.client = RedisConnector.client(url, "hushryd-broker-" + nodeId);
        this.sub = client.connectPubSub(ByteArrayCodec.INSTANCE);
        this.pub = client.connect(ByteArrayCodec.INSTANCE);
    }

    static byte[] channel(String room) {
        return (PREFIX + room + "}").getBytes(StandardCharsets.UTF_8);
    }

    static String room(byte[] channel) {
        String c = new String(channel, StandardCharsets.UTF_8);
        return c.substring(PREFIX.length(), c.length() - 1);
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public void start(Receiver r) {
        this.receiver = r;
        sub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(byte[] channel, byte[] message) {
                onMessage(channel, message);
            }
        });
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(io.lettuce.core.RedisChannelHandler<?, ?> connection, SocketAddress address) {
                if (connection == sub && !connected) {
                    connected = true;
                    resubscribe();
                }
            }

            @Override
            public void onRedisDisconnected(io.lettuce.core.RedisChannelHandler<?, ?> connection) {
                if (connection == sub && connected) {
                    connected = false;
                    log.warn("realtime broker lost Redis; broadcasts stay on this node until it returns");
                }
            }
        });
        sub.async().subscribe(CONTROL_CHANNEL);
    }

    private void resubscribe() {
        // Lettuce re-issues subscriptions itself; doing it again is idempotent and covers rooms joined while away
        int n = rooms.size();
        if (n > 0) {
            sub.async().subscribe(rooms.stream().map(RedisBroker::channel).toArray(byte[][]::new));
        }
        log.info("realtime broker reconnected to Redis; {} room subscription(s) restored", n);
    }

    private void onMessage(byte[] channel, byte[] message) {
        Envelope.Decoded d;
        try {
            d = Envelope.decode(message);
        } catch (IllegalArgumentException e) {
            log.warn("ignoring a malformed realtime broker message: {}", e.getMessage());
            return;
        }
        if (nodeId.equals(d.nodeId())) {
            return;
        }
        received.incrementAndGet();
        if (d.control() != null) {
            receiver.onControl(d.control());
        } else {
            receiver.onBroadcast(room(channel), d.frames(), d.exceptSocketId());
        }
    }

    @Override
    public void subscribe(String room) {
        rooms.add(room);
        sub.async().subscribe(channel(room));
    }

    @Override
    public void unsubscribe(String room) {
        rooms.remove(room);
        sub.async().unsubscribe(channel(room));
    }

    @Override
    public void publish(String room, List<Frame> frames, String exceptSocketId) {
        send(channel(room), Envelope.broadcast(nodeId, frames, exceptSocketId));
    }

    @Override
    public RemoteMessage remoteMessage(String room, List<Frame> frames, String exceptSocketId) {
        return new RemoteMessage(channel(room), Envelope.broadcast(nodeId, frames, exceptSocketId));
    }

    @Override
    public void publishedElsewhere() {
        published.incrementAndGet();
    }

    @Override
    public void publishControl(Control control) {
        send(CONTROL_CHANNEL, Envelope.control(nodeId, control));
    }

    private void send(byte[] channel, byte[] message) {
        try {
            pub.async().publish(channel, message).whenComplete((n, e) -> {
                if (e == null) {
                    published.incrementAndGet();
                } else {
                    dropped(e);
                }
            });
        } catch (RuntimeException e) {
            dropped(e);
        }
    }

    private void dropped(Throwable e) {
        dropped.incrementAndGet();
        long now = System.currentTimeMillis();
        long last = lastDropLog.get();
        if (now - last > 10_000 && lastDropLog.compareAndSet(last, now)) {
            log.warn("realtime broadcasts are not reaching other nodes ({} dropped so far): {}", dropped.get(),
                    e.toString());
        }
    }

    @Override
    public boolean connected() {
        return connected && sub.isOpen();
    }

    @Override
    public Stats stats() {
        return new Stats(published.get(), received.get(), dropped.get(), rooms.size());
    }

    @Override
    public void close() {
        sub.close();
        pub.close();
        client.shutdown();
    }
}
