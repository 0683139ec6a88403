package com.hushryd.location.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.hushryd.common.Json;
import com.hushryd.location.Location;
import com.hushryd.location.LocationStore;
import com.hushryd.location.NearbyDriver;
import com.hushryd.store.RedisConnector;
import com.hushryd.store.RedisUrl;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import com.hushryd.realtime.Broker.RemoteMessage;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Latest locations and the driver geo index in Redis. A trip's latest location is a hash
 * {@code hushryd:loc:{trip:<id>}} updated by one script that compares timestamps (one round trip per update). The
 * available drivers are a GEO set and a "last seen" sorted set under one hash tag {@code {drivers}}, so the scripts
 * touching both stay in one slot of a Redis Cluster; stale drivers are pruned by the search itself.
 */
public final class RedisLocationStore implements LocationStore {
    private static final String GEO = "hushryd:{drivers}:geo";
    private static final String SEEN = "hushryd:{drivers}:seen";

    // KEYS: trip hash. ARGV: timestamp ms, location json, ttl ms[, channel, message]. 1 if stored; a stored location
    // is published on the channel in the same step (the realtime broker's message for the other nodes).
    private static final String PUT = """
            local cur = redis.call('HGET', KEYS[1], 'ts')
            if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
            redis.call('HSET', KEYS[1], 'ts', ARGV[1], 'v', ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            if ARGV[4] then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
            return 1
            """;
    // KEYS: geo, seen. ARGV: lng, lat, driver, now. Both sets change together or not at all.
    private static final String AVAILABLE = """
            redis.call('GEOADD', KEYS[1], ARGV[1], ARGV[2], ARGV[3])
            redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
            return 1
            """;
    // KEYS: geo, seen. ARGV: driver.
    private static final String UNAVAILABLE = """
            redis.call('ZREM', KEYS[1], ARGV[1])
            redis.call('ZREM', KEYS[2], ARGV[1])
            return 1
            """;
    // KEYS: geo, seen. ARGV: lng, lat, driver, now, cutoff. 1 if the driver was (still) available and moved.
    private static final String REFRESH = """
            local seen = redis.call('ZSCORE', KEYS[2], ARGV[3])
            if not seen or tonumber(seen) <= tonumber(ARGV[5]) then return 0 end
            redis.call('GEOADD', KEYS[1], ARGV[1], ARGV[2], ARGV[3])
            redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
            return 1
            """;
    // KEYS: geo, seen. ARGV: lng, lat, radius km, count, cutoff. Prunes stale drivers, then searches.
    private static final String NEARBY = """
            local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[5], 'LIMIT', 0, 1000)
            if #stale > 0 then
              redis.call('ZREM', KEYS[1], unpack(stale))
              redis.call('ZREM', KEYS[2], unpack(stale))
            end
            local found = redis.call('GEOSEARCH', KEYS[1], 'FROMLONLAT', ARGV[1], ARGV[2], 'BYRADIUS', ARGV[3], 'km',
              'ASC', 'COUNT', ARGV[4], 'WITHCOORD', 'WITHDIST')
            local out = {}
            for _, r in ipairs(found) do
              local seen = redis.call('ZSCORE', KEYS[2], r[1])
              if seen then out[#out + 1] = {r[1], r[2], r[3][1], r[3][2], seen} end
            end
            return out
            """;

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    /** The update path's own connection (bytes: the broker's messages are binary). */
    private final StatefulRedisConnection<byte[], byte[]> updates;
    private final Duration ttl;
    private final Clock clock;
    private final String putSha;
    private final String availableSha;
    private final String unavailableSha;
    private final String refreshSha;
    private final String nearbySha;

    public RedisLocationStore(RedisUrl url, String nodeId, Duration ttl, Clock clock) {
        this.client = RedisConnector.client(url, "hushryd-location-" + nodeId);
        this.connection = client.connect();
        this.updates = client.connect(ByteArrayCodec.INSTANCE);
        this.ttl = ttl;
        this.clock = clock;
        this.putSha = connection.sync().scriptLoad(PUT);
        this.availableSha = connection.sync().scriptLoad(AVAILABLE);
        this.unavailableSha = connection.sync().scriptLoad(UNAVAILABLE);
        this.refreshSha = connection.sync().scriptLoad(REFRESH);
        this.nearbySha = connection.sync().scriptLoad(NEARBY);
    }

    private static String tripKey(UUID tripId) {
        return "hushryd:loc:{trip:" + tripId + "}";
    }

    /** EVALSHA, falling back to EVAL once if the server lost its script cache (a restart or failover). */
    private <T> CompletionStage<T> eval(String sha, String script, ScriptOutputType type, String[] keys,
            String... args) {
        return eval(connection.async(), sha, script, type, keys, args);
    }

    @SafeVarargs
    private static <K, V, T> CompletionStage<T> eval(RedisAsyncCommands<K, V> r, String sha, String script,
            ScriptOutputType type, K[] keys, V... args) {
        CompletableFuture<T> out = new CompletableFuture<>();
        r.<T>evalsha(sha, type, keys, args).whenComplete((v, e) -> {
            if (e == null) {
                out.complete(v);
            } else if (e instanceof RedisNoScriptException || e.getCause() instanceof RedisNoScriptException) {
                r.<T>eval(script, type, keys, args).whenComplete((v2, e2) -> {
                    if (e2 == null) {
                        out.complete(v2);
                    } else {
                        out.completeExceptionally(e2);
                    }
                });
            } else {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    @Override
    public CompletionStage<Boolean> put(Location l, String json, RemoteMessage publish) {
        String value = json;
        if (value == null) {
            try {
                value = Json.MAPPER.writeValueAsString(l);
            } catch (JsonProcessingException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        byte[][] keys = {bytes(tripKey(l.tripId()))};
        byte[] ts = bytes(Long.toString(l.timestamp().toEpochMilli()));
        byte[] ttlMs = bytes(Long.toString(ttl.toMillis()));
        CompletionStage<Long> r = publish == null
                ? eval(updates.async(), putSha, PUT, ScriptOutputType.INTEGER, keys, ts, bytes(value), ttlMs)
                : eval(updates.async(), putSha, PUT, ScriptOutputType.INTEGER, keys, ts, bytes(value), ttlMs,
                        publish.channel(), publish.message());
        return r.thenApply(x -> x == 1L);
    }

    @Override
    public boolean publishes() {
        return true;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public CompletionStage<Optional<Location>> latest(UUID tripId) {
        return connection.async().hget(tripKey(tripId), "v").thenApply(v -> {
            if (v == null) {
                return Optional.empty();
            }
            try {
                return Optional.of(Json.MAPPER.readValue(v, Location.class));
            } catch (JsonProcessingException e) {
                return Optional.empty();
            }
        });
    }

    @Override
    public CompletionStage<Void> available(UUID driverId, double lat, double lng) {
        return this.<Long>eval(availableSha, AVAILABLE, ScriptOutputType.INTEGER, new String[] {GEO, SEEN},
                Double.toString(lng), Double.toString(lat), driverId.toString(), Long.toString(clock.millis()))
                .thenApply(r -> null);
    }

    @Override
    public CompletionStage<Boolean> refresh(UUID driverId, double lat, double lng) {
        long now = clock.millis();
        return this.<Long>eval(refreshSha, REFRESH, ScriptOutputType.INTEGER, new String[] {GEO, SEEN},
                Double.toString(lng), Double.toString(lat), driverId.toString(), Long.toString(now),
                Long.toString(now - ttl.toMillis())).thenApply(r -> r == 1L);
    }

    @Override
    public CompletionStage<Void> unavailable(UUID driverId) {
        return this.<Long>eval(unavailableSha, UNAVAILABLE, ScriptOutputType.INTEGER, new String[] {GEO, SEEN},
                driverId.toString()).thenApply(r -> null);
    }

    @Override
    public CompletionStage<List<NearbyDriver>> nearby(double lat, double lng, double radiusKm, int limit) {
        long cutoff = clock.millis() - ttl.toMillis();
        return this.<List<Object>>eval(nearbySha, NEARBY, ScriptOutputType.MULTI, new String[] {GEO, SEEN},
                Double.toString(lng), Double.toString(lat), Double.toString(radiusKm), Integer.toString(limit),
                Long.toString(cutoff)).thenApply(rows -> {
                    List<NearbyDriver> out = new ArrayList<>(rows.size());
                    for (Object row : rows) {
                        List<?> r = (List<?>) row;
                        Object seen = r.get(4);
                        out.add(new NearbyDriver(UUID.fromString(String.valueOf(r.get(0))),
                                Double.parseDouble(String.valueOf(r.get(3))),
                                Double.parseDouble(String.valueOf(r.get(2))),
                                Double.parseDouble(String.valueOf(r.get(1))),
                                seen == null ? null : Instant.ofEpochMilli((long) Double.parseDouble(seen.toString()))));
                    }
                    return out;
                });
    }

    @Override
    public boolean reachable() {
        return updates.isOpen() && connection.isOpen();
    }

    @Override
    public void onReturn(Runnable onReturn) {
        RedisConnector.onReconnect(client, onReturn);
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public void close() {
        updates.close();
        connection.close();
        client.shutdown();
    }
}
