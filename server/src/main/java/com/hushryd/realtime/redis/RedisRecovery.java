package com.hushryd.realtime.redis;

import com.fasterxml.jackson.core.type.TypeReference;
import com.hushryd.common.Json;
import com.hushryd.realtime.socketio.Recovery;
import com.hushryd.realtime.socketio.SioSocket;
import com.hushryd.realtime.socketio.Encoder;
import com.hushryd.store.RedisConnector;
import com.hushryd.store.RedisUrl;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
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

    /**
     * KEYS: session; ARGV: owner, incarnation, ttl ms, offset (-1: none). Returns sid, rooms, min, or nil (changing
     * nothing) when not this owner's or the offset is older than the session.
     */
    private static final String CLAIM = """
            if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return false end
            if tonumber(ARGV[4]) >= 0 and tonumber(ARGV[4]) < tonumber(redis.call('HGET', KEYS[1], 'min')) then
              return false
            end
            redis.call('HSET', KEYS[1], 'inc', ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return redis.call('HMGET', KEYS[1], 'sid', 'rooms', 'min')
            """;
    /**
     * KEYS: session, sequence; ARGV: owner, incarnation, sid, rooms, ttl ms, first offset seen (or -1). A new session
     * starts at the sequence's current value (or below the first offset its socket was given).
     */
    private static final String SAVE = """
            local cur = redis.call('HGET', KEYS[1], 'inc')
            if cur and cur ~= ARGV[2] then return 0 end
            if not cur then
              local min = tonumber(redis.call('GET', KEYS[2]) or '0')
              local first = tonumber(ARGV[6])
              if first >= 0 and first - 1 < min then min = first - 1 end
              redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'inc', ARGV[2], 'sid', ARGV[3],
                'min', string.format('%.0f', min))
            end
            redis.call('HSET', KEYS[1], 'rooms', ARGV[4])
            redis.call('PEXPIRE', KEYS[1], ARGV[5])
            return 1
            """;
    /** KEYS: session; ARGV: incarnation, ttl ms (0: delete). */
    private static final String RELEASE = """
            if redis.call('HGET', KEYS[1], 'inc') ~= ARGV[1] then return 0 end
            if ARGV[2] == '0' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return 1
            """;

    private static final TypeReference<List<String>> ROOMS = new TypeReference<>() { };

    private record Local(String pid, String incarnation) {
    }

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> redis;
    private final StatefulRedisConnection<byte[], byte[]> streams;
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
        this.client = RedisConnector.client(url, "hushryd-recovery");
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
        return redis.async().<List<String>>eval(CLAIM, ScriptOutputType.MULTI, new String[] {sessionKey(pid)},
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
        redis.async().eval(SAVE, ScriptOutputType.INTEGER, new String[] {sessionKey(socket.pid()),
                SEQUENCE}, owner.apply(socket.user()),
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
        redis.async().eval(RELEASE, ScriptOutputType.INTEGER, new String[] {sessionKey(socket.pid())},
                socket.incarnation(), recoverable ? Long.toString(window.toMillis()) : "0").whenComplete((r, e) -> {
                    if (e != null) {
                        log.debug("ending the recovery session of {} failed: {}", socket, e.toString());
                    }
                });
    }

    private void refresh() {
        try {
            for (Local l : connected.values()) {
                redis.async().eval(RELEASE, ScriptOutputType.INTEGER, new String[] {sessionKey(l.pid())},
                        l.incarnation(), Long.toString(connectedTtl));
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
        client.shutdown();
    }
}
