package com.hushryd.realtime.redis;

import com.hushryd.realtime.PresenceStore;
import com.hushryd.store.RedisConnector;
import com.hushryd.store.RedisUrl;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.ZAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Presence in Redis. Each user has a sorted set of socket registrations scored by expiry time
 * ({@code hushryd:presence:{<user>}}) and a last-seen key beside it; every script touches only one user's keys (one
 * hash slot, so it works on Redis Cluster). A separate index of users by latest expiry tells the sweepers which users
 * to look at; the per-user script decides each offline transition atomically, so it is reported once.
 */
public final class RedisPresenceStore implements PresenceStore {
    private static final String INDEX = "hushryd:presence:index";

    // KEYS: sockets, seen. ARGV: now, member, expiry, ttl. Returns 1 if the user was offline.
    private static final String CONNECT = """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
            local before = redis.call('ZCARD', KEYS[1])
            redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[4])
            if before == 0 then return 1 else return 0 end
            """;
    // KEYS: sockets, seen. ARGV: now, member. Returns 1 if this removed the user's last live socket.
    private static final String DISCONNECT = """
            local removed = redis.call('ZREM', KEYS[1], ARGV[2])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
            if redis.call('ZCARD', KEYS[1]) == 0 then
              redis.call('DEL', KEYS[1])
              if removed == 1 then
                redis.call('SET', KEYS[2], ARGV[1], 'PX', 2592000000)
                return 1
              end
            end
            return 0
            """;
    // KEYS: sockets, seen. ARGV: now, ttl. Returns 1 if expired entries made the user offline.
    private static final String SWEEP = """
            local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
            local purged = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
            if purged > 0 and redis.call('ZCARD', KEYS[1]) == 0 then
              redis.call('DEL', KEYS[1])
              redis.call('SET', KEYS[2], tostring(tonumber(newest[2]) - tonumber(ARGV[2])), 'PX', 2592000000)
              return 1
            end
            return 0
            """;

    // KEYS: index. ARGV: user, now. Removes the user from the index unless a registration extended it.
    private static final String UNINDEX = """
            local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
            if s and tonumber(s) <= tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
            return 0
            """;

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final Duration ttl;
    private final Clock clock;
    private final String connectSha;
    private final String disconnectSha;
    private final String sweepSha;
    private final String unindexSha;
    /** The next refresh adds registrations rather than only extending them: some may be missing after an outage. */
    private final java.util.concurrent.atomic.AtomicBoolean reRegister = new java.util.concurrent.atomic.AtomicBoolean();

    public RedisPresenceStore(RedisUrl url, String nodeId, Duration ttl, Clock clock) {
        this.client = RedisConnector.client(url, "hushryd-presence-" + nodeId);
        this.connection = client.connect();
        this.ttl = ttl;
        this.clock = clock;
        RedisCommands<String, String> r = connection.sync();
        this.connectSha = r.scriptLoad(CONNECT);
        this.disconnectSha = r.scriptLoad(DISCONNECT);
        this.sweepSha = r.scriptLoad(SWEEP);
        this.unindexSha = r.scriptLoad(UNINDEX);
        RedisConnector.onReconnect(client, () -> reRegister.set(true));
    }

    @Override
    public void onReturn(Runnable onReturn) {
        RedisConnector.onReconnect(client, onReturn);
    }

    private static String socketsKey(UUID user) {
        return "hushryd:presence:{" + user + "}";
    }

    private static String seenKey(UUID user) {
        return "hushryd:presence:{" + user + "}:seen";
    }

    private <T> T eval(String sha, String script, ScriptOutputType type, String[] keys, String... args) {
        try {
            return connection.sync().evalsha(sha, type, keys, args);
        } catch (io.lettuce.core.RedisNoScriptException e) {
            return connection.sync().eval(script, type, keys, args);
        }
    }

    @Override
    public boolean connected(UUID userId, String socketKey) {
        long now = clock.millis();
        long exp = now + ttl.toMillis();
        try {
            Long r = eval(connectSha, CONNECT, ScriptOutputType.INTEGER,
                    new String[] {socketsKey(userId), seenKey(userId)}, Long.toString(now), socketKey,
                    Long.toString(exp), Long.toString(ttl.toMillis() * 2));
            connection.sync().zadd(INDEX, ZAddArgs.Builder.gt(), exp, userId.toString());
            return r == 1L;
        } catch (RuntimeException e) {
            reRegister.set(true); // the heartbeat after Redis returns registers this socket
            throw e;
        }
    }

    @Override
    public boolean disconnected(UUID userId, String socketKey) {
        Long r = eval(disconnectSha, DISCONNECT, ScriptOutputType.INTEGER,
                new String[] {socketsKey(userId), seenKey(userId)}, Long.toString(clock.millis()), socketKey);
        return r == 1L;
    }

    @Override
    public void refresh(Map<UUID, ? extends Collection<String>> socketsByUser) {
        if (socketsByUser.isEmpty()) {
            return;
        }
        long exp = clock.millis() + ttl.toMillis();
        List<RedisFuture<?>> pending = new ArrayList<>();
        var async = connection.async();
        // normally only extend (XX: a socket that just disconnected is not brought back); after an outage, add
        boolean add = reRegister.getAndSet(false);
        socketsByUser.forEach((user, keys) -> {
            String key = socketsKey(user);
            for (String k : keys) {
                pending.add(add ? async.zadd(key, exp, k) : async.zadd(key, ZAddArgs.Builder.xx(), exp, k));
            }
            pending.add(async.pexpire(key, ttl.toMillis() * 2));
            pending.add(async.zadd(INDEX, ZAddArgs.Builder.gt(), exp, user.toString()));
        });
        for (RedisFuture<?> f : pending) {
            try {
                f.get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                if (add) {
                    reRegister.set(true);
                }
                throw new IllegalStateException("presence refresh failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public List<UUID> sweep() {
        long now = clock.millis();
        List<String> due = connection.sync().zrangebyscore(INDEX, Range.create(0, now), Limit.create(0, 500));
        List<UUID> offline = new ArrayList<>();
        for (String u : due) {
            UUID user = UUID.fromString(u);
            Long r = eval(sweepSha, SWEEP, ScriptOutputType.INTEGER,
                    new String[] {socketsKey(user), seenKey(user)}, Long.toString(now),
                    Long.toString(ttl.toMillis()));
            if (r == 1L) {
                offline.add(user);
            }
            eval(unindexSha, UNINDEX, ScriptOutputType.INTEGER, new String[] {INDEX}, u, Long.toString(now));
        }
        return offline;
    }

    @Override
    public Presence get(UUID userId) {
        long now = clock.millis();
        Long live = connection.sync().zcount(socketsKey(userId), Range.create(now + 1, Double.POSITIVE_INFINITY));
        if (live != null && live > 0) {
            return new Presence(true, Instant.ofEpochMilli(now));
        }
        String seen = connection.sync().get(seenKey(userId));
        return new Presence(false, seen == null ? null : Instant.ofEpochMilli(Long.parseLong(seen)));
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }
}
