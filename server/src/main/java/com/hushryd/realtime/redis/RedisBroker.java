package com.hushryd.realtime.redis;

import com.hushryd.realtime.Broker;
import com.hushryd.realtime.engineio.Frame;
import com.hushryd.store.RedisConnector;
import com.hushryd.store.RedisLink;
import com.hushryd.store.RedisScript;
import com.hushryd.store.RedisUrl;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis pub/sub broker: one channel per room, {@code hushryd:rt:{<room>}}, and one control channel. A node subscribes
 * to a room's channel while it has local members in that room. On Redis 7+ room channels are shard channels
 * ({@code SPUBLISH}/{@code SSUBSCRIBE}): on a Redis Cluster a message reaches only the shard owning its room's slot
 * and the nodes subscribed there ({@link ShardSubscriptions} follows slot moves and failovers); on Redis 6.2 they
 * are classic channels. Control messages stay classic (every node needs them). After a reconnect every subscription
 * is issued again. See decision 0070. A room's latest state ({@link #publishLatest}) is a hash
 * {@code hushryd:rt:latest:{<room>}}, in its channel's slot, written and published by one script (decision 0077).
 *
 * <p>While Redis cannot be reached, messages are held in order, up to {@code holdAtMost} (beyond that the oldest are
 * dropped, counted and logged), and published {@link RedisConnector#SETTLE} after the publishing connection is back,
 * when the other nodes have subscribed again. Only messages that certainly did not reach Redis are held (the
 * connection was down or refused them unsent); one whose outcome is unknown (a timeout) is dropped and counted, so
 * nothing is delivered twice.
 */
public final class RedisBroker implements Broker {
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    static final String PREFIX = "hushryd:rt:{";
    static final byte[] CONTROL_CHANNEL = "hushryd:rt:control".getBytes(StandardCharsets.UTF_8);
    /** See the script's header; decision 0072 for the per-room sequence on a Redis Cluster. */
    private static final RedisScript NUMBER_AND_PUBLISH = RedisScript.of(RedisBroker.class,
            "number-and-publish.lua");
    /** See the script's header. */
    private static final RedisScript PUBLISH_LATEST = RedisScript.of(RedisBroker.class, "publish-latest.lua");
    static final String LATEST_PREFIX = "hushryd:rt:latest:{";
    private static final byte[] TS = "ts".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] VALUE = "v".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PUBLISH = "PUBLISH".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SPUBLISH = "SPUBLISH".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INCR = "incr".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TIME = "time".getBytes(StandardCharsets.US_ASCII);
    /** Messages held while Redis is unreachable, by default ({@code REALTIME_OUTAGE_HOLD}). */
    public static final int HOLD_AT_MOST = 10_000;

    private record Held(byte[] channel, byte[] message, boolean shard) {
    }

    private final String nodeId;
    private final RedisLink client;
    private final StatefulRedisPubSubConnection<byte[], byte[]> sub;
    private final RedisLink.Connection<byte[], byte[]> pub;
    /** Room channels are shard channels (Redis 7+). */
    private final boolean sharded;
    /** On a Redis Cluster with sharded channels: which master each room is subscribed on. */
    private final ShardSubscriptions shards;
    /** On a Redis Cluster: numbered broadcasts from different shards are put back in offset order first. */
    private final Reorder reorder;
    private final Set<String> rooms = ConcurrentHashMap.newKeySet();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong lastDropLog = new AtomicLong();
    /** Guarded by itself: while it is not empty, new messages queue behind it (publish order is kept). */
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final int holdAtMost;
    private final AtomicLong overflowed = new AtomicLong();
    private final AtomicLong lastOverflowLog = new AtomicLong();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private final Executor settled = CompletableFuture.delayedExecutor(RedisConnector.SETTLE.toMillis(),
            TimeUnit.MILLISECONDS);
    private volatile boolean pubUp = true;
    private volatile Receiver receiver;
    private volatile boolean connected = true;
    private volatile boolean closing;
    /** Connection state recovery: history kept per room (0: off, broadcasts are not numbered). */
    private volatile int historyLength;
    private volatile long windowMillis;
    /** The highest offset received: after a reconnection, what was published meanwhile is read from the streams. */
    private final AtomicLong lastNumbered = new AtomicLong(-1);
    /**
     * The last offset delivered per subscribed room (under {@link #numberedLock}): a broadcast the read-back after a
     * reconnection already delivered may still arrive live afterwards, and is dropped rather than delivered again,
     * out of order.
     */
    private final java.util.Map<String, Long> lastByRoom = new java.util.HashMap<>();
    /**
     * Guards {@link #waiting}: from the loss of the subscription connection until what it missed has been read back,
     * numbered broadcasts arriving live wait, so that every socket still gets them all in offset order.
     */
    private final Object numberedLock = new Object();
    private List<NumberedMessage> waiting;

    record NumberedMessage(String room, long offset, List<Frame> frames, String exceptSocketId) {
    }

    public RedisBroker(RedisUrl url, String nodeId) {
        this(url, nodeId, HOLD_AT_MOST);
    }

    public RedisBroker(RedisUrl url, String nodeId, int holdAtMost) {
        if (holdAtMost < 0) {
            throw new IllegalArgumentException("holdAtMost must not be negative");
        }
        this.holdAtMost = holdAtMost;
        this.nodeId = nodeId;
        this.client = RedisLink.open(url, "hushryd-broker-" + nodeId);
        this.sub = client.connectPubSub(ByteArrayCodec.INSTANCE);
        this.pub = client.connect(ByteArrayCodec.INSTANCE);
        this.sharded = majorVersion(pub) >= 7;
        this.shards = sharded && client.cluster() ? new ShardSubscriptions(client, sub, this::onMessage) : null;
        this.reorder = client.cluster() ? new Reorder(this::deliverNumbered) : null;
    }

    /** The Redis major version (of any node, on a cluster: they are run at one version). */
    private static int majorVersion(RedisLink.Connection<byte[], byte[]> c) {
        String info = c.sync().info("server");
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("redis_version:")) {
                String v = line.substring("redis_version:".length()).trim();
                return Integer.parseInt(v.substring(0, v.indexOf('.')));
            }
        }
        return 6;
    }

    /** Whether room channels are shard channels ({@code SPUBLISH}); for tests and the log. */
    public boolean sharded() {
        return sharded;
    }

    /**
     * Numbers broadcasts for connection state recovery from now on ({@link #publishNumbered}), keeping at most
     * {@code historyLength} per room for {@code window} after the last one.
     */
    public void numberBroadcasts(int historyLength, java.time.Duration window) {
        if (historyLength <= 0 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("history length and window must be positive");
        }
        this.windowMillis = window.toMillis();
        this.historyLength = historyLength;
    }

    private byte[] sequence(String room) {
        return client.cluster() ? (RecoveryKeys.SEQUENCE_PREFIX + room + "}").getBytes(StandardCharsets.UTF_8)
                : RecoveryKeys.SEQUENCE;
    }

    static byte[] stream(String room) {
        return (RecoveryKeys.STREAM_PREFIX + room + "}").getBytes(StandardCharsets.UTF_8);
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

            @Override
            public void smessage(byte[] channel, byte[] message) {
                if (shards == null) {
                    onMessage(channel, message);
                }
            }
        });
        if (shards != null) {
            shards.start();
        }
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(io.lettuce.core.RedisChannelHandler<?, ?> connection, SocketAddress address) {
                if (connection == sub && !connected) {
                    connected = true;
                    resubscribe();
                    catchUp();
                } else if (connection == pub.stateful() && !pubUp) {
                    pubUp = true;
                    scheduleFlush();
                }
            }

            @Override
            public void onRedisDisconnected(io.lettuce.core.RedisChannelHandler<?, ?> connection) {
                if (connection == sub && lastNumbered.get() >= 0) {
                    synchronized (numberedLock) {
                        if (waiting == null) {
                            waiting = new java.util.ArrayList<>();
                        }
                    }
                }
                if (connection == sub && connected && !closing) {
                    connected = false;
                    log.warn("realtime broker lost Redis; broadcasts reach this node's sockets, and the other nodes "
                            + "when it returns (up to {} held)", holdAtMost);
                } else if (connection == pub.stateful()) {
                    pubUp = false;
                }
            }
        });
        sub.async().subscribe(CONTROL_CHANNEL);
    }

    private void resubscribe() {
        // Lettuce re-issues subscriptions itself; doing it again is idempotent and covers rooms joined while away
        int n = rooms.size();
        if (n > 0) {
            byte[][] channels = rooms.stream().map(RedisBroker::channel).toArray(byte[][]::new);
            if (shards != null) {
                shards.resubscribeAll();
            } else if (sharded) {
                sub.async().ssubscribe(channels);
            } else {
                sub.async().subscribe(channels);
            }
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
        if (d.numbered()) {
            // numbered broadcasts come back to their publisher too: every node writes them in offset order
            received.incrementAndGet();
            NumberedMessage n = new NumberedMessage(room(channel), d.offset(), d.frames(), d.exceptSocketId());
            if (reorder != null) {
                reorder.add(n);
            } else {
                deliverNumbered(n);
            }
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

    private void deliverNumbered(NumberedMessage n) {
        synchronized (numberedLock) {
            if (waiting != null) {
                waiting.add(n);
                return;
            }
            if (delivered(n)) {
                receiver.onNumbered(n.room(), n.frames(), n.exceptSocketId(), n.offset());
            }
        }
    }

    /** Records {@code n} as delivered; false when its room already had it or a later one (under the lock). */
    private boolean delivered(NumberedMessage n) {
        Long last = lastByRoom.get(n.room());
        if (last != null && n.offset() <= last) {
            return false;
        }
        if (rooms.contains(n.room())) {
            lastByRoom.put(n.room(), n.offset());
        }
        lastNumbered.accumulateAndGet(n.offset(), Math::max);
        return true;
    }

    @Override
    public void subscribe(String room) {
        rooms.add(room);
        if (shards != null) {
            shards.subscribe(channel(room));
        } else if (sharded) {
            sub.async().ssubscribe(channel(room));
        } else {
            sub.async().subscribe(channel(room));
        }
    }

    @Override
    public void unsubscribe(String room) {
        rooms.remove(room);
        synchronized (numberedLock) {
            lastByRoom.remove(room);
        }
        if (shards != null) {
            shards.unsubscribe(channel(room));
        } else if (sharded) {
            sub.async().sunsubscribe(channel(room));
        } else {
            sub.async().unsubscribe(channel(room));
        }
    }

    @Override
    public void publish(String room, List<Frame> frames, String exceptSocketId) {
        send(channel(room), Envelope.broadcast(nodeId, frames, exceptSocketId), sharded);
    }

    @Override
    public CompletionStage<Boolean> publishLatest(String room, long version, String value, Duration ttl,
            List<Frame> frames) {
        byte[][] keys = {latestKey(room)};
        byte[] v = Long.toString(version).getBytes(StandardCharsets.US_ASCII);
        byte[] state = value.getBytes(StandardCharsets.UTF_8);
        byte[] ttlMs = ascii(ttl.toMillis());
        try {
            CompletionStage<Long> r = frames == null
                    ? PUBLISH_LATEST.run(pub.async(), ScriptOutputType.INTEGER, keys, v, state, ttlMs)
                    : PUBLISH_LATEST.run(pub.async(), ScriptOutputType.INTEGER, keys, v, state, ttlMs,
                            sharded ? SPUBLISH : PUBLISH, channel(room), Envelope.broadcast(nodeId, frames, null));
            return r.thenApply(stored -> {
                if (stored == 1L && frames != null) {
                    published.incrementAndGet();
                }
                return stored == 1L;
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletionStage<Optional<Latest>> latest(String room) {
        return pub.async().hmget(latestKey(room), TS, VALUE).thenApply(fields -> {
            if (!fields.get(0).hasValue() || !fields.get(1).hasValue()) {
                return Optional.<Latest>empty();
            }
            return Optional.of(new Latest(Long.parseLong(new String(fields.get(0).getValue(),
                    StandardCharsets.US_ASCII)), new String(fields.get(1).getValue(), StandardCharsets.UTF_8)));
        });
    }

    /** A room's latest state: same tag as its channel, so that one script may write one and publish to the other. */
    static byte[] latestKey(String room) {
        return (LATEST_PREFIX + room + "}").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean publishNumbered(String room, List<Frame> frames, String exceptSocketId) {
        int length = historyLength;
        if (length <= 0) {
            return false;
        }
        byte[] envelope = Envelope.numbered(nodeId, frames, exceptSocketId);
        synchronized (held) {
            if (!held.isEmpty() || !pubUp) {
                return false;
            }
            try {
                NUMBER_AND_PUBLISH.<byte[], byte[], byte[]>run(pub.async(), io.lettuce.core.ScriptOutputType.VALUE,
                        new byte[][] {sequence(room), stream(room)}, channel(room), envelope, ascii(length),
                        ascii(windowMillis), client.cluster() ? TIME : INCR, sharded ? SPUBLISH : PUBLISH)
                        .whenComplete((id, e) -> {
                            if (e == null) {
                                published.incrementAndGet();
                            } else if (unsent(e)) {
                                // it never ran: this node's sockets get it now, the others when Redis is back
                                java.util.concurrent.ForkJoinPool.commonPool().execute(() -> {
                                    receiver.onBroadcast(room, frames, exceptSocketId);
                                    send(channel(room), Envelope.broadcast(nodeId, frames, exceptSocketId),
                                            sharded);
                                });
                            } else {
                                dropped(e);
                            }
                        });
            } catch (RuntimeException e) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public java.util.concurrent.CompletionStage<Void> subscribed(java.util.Collection<String> wanted) {
        byte[][] channels = wanted.stream().filter(rooms::contains).map(RedisBroker::channel).toArray(byte[][]::new);
        if (channels.length == 0) {
            return CompletableFuture.completedFuture(null);
        }
        if (shards != null) {
            return shards.confirmed(channels);
        }
        // commands on one connection run in order: once this one is confirmed, so are the earlier subscriptions
        return (sharded ? sub.async().ssubscribe(channels) : sub.async().subscribe(channels)).toCompletableFuture();
    }

    /**
     * After the subscription connection came back: reads from the rooms' streams the numbered broadcasts published
     * while it was away and delivers them (sockets drop those they already have), so that a node loses nothing of
     * the rooms it is subscribed to across a reconnection. Broadcasts that could not be numbered meanwhile (Redis
     * unreachable for their publishers too) are held by their publishers and published when Redis is back.
     */
    private void catchUp() {
        long after = lastNumbered.get();
        if (after < 0 || rooms.isEmpty()) {
            releaseWaiting(List.of());
            return;
        }
        List<String> subscribedRooms = List.copyOf(rooms);
        int atMost = Math.max(historyLength, 1000); // the publishers' bound, if this node does not publish any
        subscribed(subscribedRooms).thenCompose(v -> RecoveryKeys.read(pub.async(), subscribedRooms, after,
                atMost)).whenComplete((missed, e) -> {
                    if (e != null) {
                        log.warn("realtime broker: reading what was published during the reconnection failed: {}",
                                e.toString());
                        releaseWaiting(List.of());
                        return;
                    }
                    List<NumberedMessage> read = missed.entries().stream().map(m -> new NumberedMessage(m.room(), m.offset(),
                            m.frames(), m.exceptSocketId())).toList();
                    if (!read.isEmpty()) {
                        log.info("realtime broker: {} broadcast(s) published during the reconnection read from history",
                                read.size());
                    }
                    releaseWaiting(read);
                });
    }

    /** Delivers what was read back and what waited meanwhile, once each, in offset order; then live again. */
    private void releaseWaiting(List<NumberedMessage> read) {
        synchronized (numberedLock) {
            List<NumberedMessage> all = new java.util.ArrayList<>(read);
            if (waiting != null) {
                all.addAll(waiting);
            }
            waiting = null;
            all.sort(java.util.Comparator.comparingLong(NumberedMessage::offset));
            for (NumberedMessage n : all) {
                if (delivered(n)) { // not when read back and also received live
                    receiver.onNumbered(n.room(), n.frames(), n.exceptSocketId(), n.offset());
                }
            }
        }
    }

    @Override
    public void publishControl(Control control) {
        send(CONTROL_CHANNEL, Envelope.control(nodeId, control), false);
    }

    private void send(byte[] channel, byte[] message, boolean shard) {
        synchronized (held) {
            if (held.isEmpty() && pubUp) {
                issue(new Held(channel, message, shard));
            } else {
                hold(new Held(channel, message, shard));
            }
        }
    }

    /** Publishes now; a message Redis certainly did not get is held for later, one that may have arrived is not. */
    private void issue(Held h) {
        try {
            (h.shard() ? pub.async().spublish(h.channel(), h.message()) : pub.async().publish(h.channel(),
                    h.message())).whenComplete((n, e) -> {
                if (e == null) {
                    published.incrementAndGet();
                } else if (unsent(e)) {
                    // not on Lettuce's thread: it may be inside the connection's exclusive section, which a sender
                    // holding the lock could be waiting for
                    java.util.concurrent.ForkJoinPool.commonPool().execute(() -> {
                        synchronized (held) {
                            hold(h);
                        }
                    });
                } else {
                    dropped(e);
                }
            });
        } catch (RuntimeException e) {
            if (unsent(e)) {
                hold(h);
            } else {
                dropped(e);
            }
        }
    }

    /** Lettuce refuses commands unsent while the connection is down ({@code REJECT_COMMANDS}). */
    private static boolean unsent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (t instanceof io.lettuce.core.RedisException && m != null
                    && (m.contains("not connected") || m.contains("Connection is closed"))) {
                return true;
            }
        }
        return false;
    }

    /** Called holding {@code held}. */
    private void hold(Held h) {
        if (held.size() >= holdAtMost) {
            if (held.isEmpty()) {
                overflow();
                return;
            }
            held.poll();
            overflow();
        }
        held.add(h);
        if (pubUp) {
            scheduleFlush();
        }
    }

    private void overflow() {
        long n = overflowed.incrementAndGet();
        dropped.incrementAndGet();
        long now = System.currentTimeMillis();
        long last = lastOverflowLog.get();
        if (now - last > 10_000 && lastOverflowLog.compareAndSet(last, now)) {
            log.warn("realtime broker: Redis unreachable and {} messages held, the most it keeps; the oldest are "
                    + "dropped ({} so far; chat and SOS remain in their history)", holdAtMost, n);
        }
    }

    private void scheduleFlush() {
        if (flushScheduled.compareAndSet(false, true)) {
            settled.execute(() -> {
                flushScheduled.set(false);
                flush();
            });
        }
    }

    /** Publishes what was held, in order; what Redis refuses again stays held for the next return. */
    private void flush() {
        int n;
        synchronized (held) {
            n = held.size();
            if (n == 0 || !pubUp) {
                return;
            }
            // issued in order on one connection, under the lock, so that no new message overtakes them
            ArrayDeque<Held> out = new ArrayDeque<>(held);
            held.clear();
            for (Held h : out) {
                issue(h);
            }
        }
        log.info("realtime broker: Redis is back; {} message(s) held during the outage published", n);
    }

    private void dropped(Throwable e) {
        dropped.incrementAndGet();
        long now = System.currentTimeMillis();
        long last = lastDropLog.get();
        if (now - last > 10_000 && lastDropLog.compareAndSet(last, now)) {
            log.warn("realtime broadcasts may not have reached the other nodes ({} dropped so far): {}",
                    dropped.get(), e.toString());
        }
    }

    @Override
    public boolean connected() {
        return connected && sub.isOpen();
    }

    @Override
    public Stats stats() {
        int h;
        synchronized (held) {
            h = held.size();
        }
        return new Stats(published.get(), received.get(), dropped.get(), h, rooms.size());
    }

    @Override
    public void close() {
        closing = true;
        if (reorder != null) {
            reorder.close();
        }
        sub.close();
        pub.close();
        client.close();
    }
}
