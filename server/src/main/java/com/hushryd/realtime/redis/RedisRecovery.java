package com.hushryd.realtime.redis;

import com.fasterxml.jackson.core.type.TypeReference;
import com.hushryd.common.Json;
import com.hushryd.realtime.socketio.Recovery;
import com.hushryd.realtime.socketio.SioSocket;
import com.hushryd.realtime.socketio.Encoder;
import com.hushryd.store.RedisLink;
import com.hushryd.store.RedisScript;
import com.hushryd.store.RedisUrl;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.codec.StringCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connection state recovery on Redis, so that a client may recover on any node: each connected socket's session is a
 * hash {@code hushryd:rt:sess:{pid}} (owner, socket id, rooms, first offset, incarnation) that lives while the
 * socket is connected (refreshed every third of the window) and for the window after it is lost, and the missed
 * broadcasts are read from the rooms' history streams that {@link RedisBroker#publishNumbered} writes. Only the
 * latest incarnation of a session may change it, so a half-open earlier connection cannot undo a recovery.
 */
public final class RedisRecovery implements Recovery, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisRecovery.class);
    private static final String SESSION_PREFIX = "hushryd:rt:sess:{";
    private static final String SEQUENCE = new String(RecoveryKeys.SEQUENCE, StandardCharsets.UTF_8);

    private static final RedisScript CLAIM = RedisScript.of(RedisRecovery.class, "session-claim.lua");
    private static final RedisScript SAVE = RedisScript.of(RedisRecovery.class, "session-save.lua");
    private static final RedisScript RELEASE = RedisScript.of(RedisRecovery.class, "session-release.lua");

    private static final TypeReference<List<String>> ROOMS = new TypeReference<>() { };

    private record Local(String pid, String incarnation) {
    }

    private final RedisLink client;
    private final RedisLink.Connection<String, String> redis;
    private final RedisLink.Connection<byte[], byte[]> streams;
    private final RedisBroker broker;
    private final Function<Object, String> owner;
    private final Duration window;
    private final int historyLength;
    private final long connectedTtl;
    private final Map<String, Local> connected = new ConcurrentHashMap<>();
    private final ScheduledExecutorService refresher;

    /**
     * @param owner   who a socket's user is (a session is recovered only by the same owner)
     * @param window  how long a lost session can be recovered
     */
    public RedisRecovery(RedisUrl url, RedisBroker broker, Function<Object, String> owner, Duration window,
            int historyLength) {
        this.client = RedisLink.open(url, "hushryd-recovery");
        this.redis = client.connect(StringCodec.UTF8);
        this.streams = client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE);
        this.broker = broker;
        this.owner = owner;
        this.window = window;
        this.historyLength = historyLength;
        long refreshEvery = Math.max(1000, window.toMillis() / 3);
        // a killed node cannot say its sockets are gone: their sessions outlive the last refresh by the window
        this.connectedTtl = window.toMillis() + 2 * refreshEvery;
        broker.numberBroadcasts(historyLength, window);
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hushryd-recovery-refresh");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleWithFixedDelay(this::refresh, refreshEvery, refreshEvery, TimeUnit.MILLISECONDS);
    }

    static String sessionKey(String pid) {
        return SESSION_PREFIX + pid + "}";
    }

    @Override
    public CompletionStage<Claimed> claim(String pid, Object user, String incarnation, long offset) {
        return CLAIM.<String, String, List<String>>run(redis.async(), ScriptOutputType.MULTI, new String[] {sessionKey(pid)},
                owner.apply(user), incarnation, Long.toString(connectedTtl), Long.toString(offset)).thenApply(found -> {
                    if (found == null || found.size() < 3 || found.get(0) == null) {
                        return null;
                    }
                    List<String> rooms;
                    try {
                        rooms = Json.MAPPER.readValue(found.get(1), ROOMS);
                    } catch (java.io.IOException e) {
                        return null; // not a session this server wrote
                    }
                    return new Claimed(found.get(0), rooms, Long.parseLong(found.get(2)));
                });
    }

    @Override
    public CompletionStage<Void> ready(Collection<String> rooms) {
        return broker.subscribed(rooms);
    }

    @Override
    public CompletionStage<List<Missed>> missed(Collection<String> rooms, long offset) {
        return RecoveryKeys.read(streams.async(), rooms, offset, historyLength).thenApply(read -> {
            if (read.trimmed()) {
                throw new Unrecoverable("some of the missed broadcasts are no longer kept (more than "
                        + historyLength + " in a room)");
            }
            return read.entries().stream().map(e -> new Missed(e.offset(), Encoder.withOffset(e.frames(), e.offset()),
                    e.exceptSocketId())).toList();
        });
    }

    @Override
    public void opened(SioSocket socket) {
        connected.put(socket.id(), new Local(socket.pid(), socket.incarnation()));
        save(socket);
    }

    @Override
    public void roomsChanged(SioSocket socket) {
        save(socket);
    }

    private void save(SioSocket socket) {
        String[] keys = client.cluster() ? new String[] {sessionKey(socket.pid())}
                : new String[] {sessionKey(socket.pid()), SEQUENCE};
        SAVE.<String, String, Long>run(redis.async(), ScriptOutputType.INTEGER, keys, owner.apply(socket.user()),
                socket.incarnation(), socket.id(), Json.write(List.copyOf(socket.rooms())),
                Long.toString(connectedTtl), Long.toString(socket.firstOffset())).whenComplete((r, e) -> {
                    if (e != null) {
                        log.debug("saving the recovery session of {} failed: {}", socket, e.toString());
                    }
                });
    }

    @Override
    public void closed(SioSocket socket, boolean recoverable) {
        connected.remove(socket.id(), new Local(socket.pid(), socket.incarnation()));
        RELEASE.<String, String, Long>run(redis.async(), ScriptOutputType.INTEGER,
                new String[] {sessionKey(socket.pid())}, socket.incarnation(), recoverable ? Long.toString(window.toMillis()) : "0").whenComplete((r, e) -> {
                    if (e != null) {
                        log.debug("ending the recovery session of {} failed: {}", socket, e.toString());
                    }
                });
    }

    private void refresh() {
        try {
            for (Local l : connected.values()) {
                RELEASE.<String, String, Long>run(redis.async(), ScriptOutputType.INTEGER,
                        new String[] {sessionKey(l.pid())}, l.incarnation(), Long.toString(connectedTtl));
            }
        } catch (RuntimeException e) {
            log.debug("refreshing recovery sessions failed: {}", e.toString());
        }
    }

    /** Sessions of sockets connected to this node. */
    public int localSessions() {
        return connected.size();
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        redis.close();
        streams.close();
        client.close();
    }
}
