package com.hushryd.realtime.redis;

import com.hushryd.realtime.PresenceStore;
import com.hushryd.store.RedisLink;
import com.hushryd.store.RedisScript;
import com.hushryd.store.RedisUrl;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.ZAddArgs;
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

    private static final RedisScript CONNECT = RedisScript.of(RedisPresenceStore.class, "presence-connect.lua");
    private static final RedisScript DISCONNECT = RedisScript.of(RedisPresenceStore.class, "presence-disconnect.lua");
    private static final RedisScript SWEEP = RedisScript.of(RedisPresenceStore.class, "presence-sweep.lua");
    private static final RedisScript UNINDEX = RedisScript.of(RedisPresenceStore.class, "presence-unindex.lua");

    private final RedisLink client;
    private final RedisLink.Connection<String, String> connection;
    private final Duration ttl;
    private final Clock clock;
    /** The next refresh adds registrations rather than only extending them: some may be missing after an outage. */
    private final java.util.concurrent.atomic.AtomicBoolean reRegister = new java.util.concurrent.atomic.AtomicBoolean();

    public RedisPresenceStore(RedisUrl url, String nodeId, Duration ttl, Clock clock) {
        this.client = RedisLink.open(url, "hushryd-presence-" + nodeId);
        this.connection = client.connect();
        this.ttl = ttl;
        this.clock = clock;
        client.onReconnect(() -> reRegister.set(true));
    }

    @Override
    public void onReturn(Runnable onReturn) {
        client.onReconnect(onReturn);
    }

    private static String socketsKey(UUID user) {
        return "hushryd:presence:{" + user + "}";
    }

    private static String seenKey(UUID user) {
        return "hushryd:presence:{" + user + "}:seen";
    }

    private <T> T eval(RedisScript script, ScriptOutputType type, String[] keys, String... args) {
        return script.call(connection.sync(), type, keys, args);
    }

    @Override
    public boolean connected(UUID userId, String socketKey) {
        long now = clock.millis();
        long exp = now + ttl.toMillis();
        try {
            Long r = eval(CONNECT, ScriptOutputType.INTEGER,
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
        Long r = eval(DISCONNECT, ScriptOutputType.INTEGER,
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
            Long r = eval(SWEEP, ScriptOutputType.INTEGER,
                    new String[] {socketsKey(user), seenKey(user)}, Long.toString(now),
                    Long.toString(ttl.toMillis()));
            if (r == 1L) {
                offline.add(user);
            }
            eval(UNINDEX, ScriptOutputType.INTEGER, new String[] {INDEX}, u, Long.toString(now));
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
        client.close();
    }
}
