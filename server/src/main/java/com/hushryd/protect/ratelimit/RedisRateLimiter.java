package com.hushryd.protect.ratelimit;

import com.hushryd.store.RedisConnector;
import com.hushryd.store.RedisUrl;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Buckets in Redis, shared by every node: one {@code EVALSHA} of {@code gcra.lua} per decision (one round trip),
 * atomic because Redis runs a script alone, on Redis's clock. One key per bucket ({@code <prefix>rl:{<key>}}, hash
 * tagged so a Redis Cluster keeps it in one slot), expiring once nothing in it matters.
 */
public final class RedisRateLimiter implements RateLimiter {
    private static final String SCRIPT = load();

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final String prefix;
    private final Penalties penalties;
    private volatile String sha;

    public RedisRateLimiter(RedisUrl url, String prefix, Penalties penalties, String nodeId) {
        this.client = RedisConnector.client(url, "hushryd-ratelimit-" + nodeId);
        this.connection = client.connect();
        this.prefix = prefix;
        this.penalties = penalties;
    }

    private static String load() {
        try (InputStream in = RedisRateLimiter.class.getResourceAsStream("gcra.lua")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new UncheckedIOException(new IOException("gcra.lua missing from the classpath", e));
        }
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public CompletionStage<Decision> acquire(String key, Limit limit) {
        RedisAsyncCommands<String, String> redis = connection.async();
        String[] keys = {prefix + "rl:{" + key + "}"};
        String[] args = {Long.toString(limit.windowMicros()), Long.toString(limit.intervalMicros()),
            Long.toString(Gcra.micros(penalties.base())), Long.toString(Gcra.micros(penalties.memory())),
            Long.toString(Gcra.micros(penalties.max())), Integer.toString(penalties.freeStrikes())};
        String current = sha;
        CompletionStage<List<Long>> reply = current != null
                ? redis.<List<Long>>evalsha(current, ScriptOutputType.MULTI, keys, args)
                : redis.scriptLoad(SCRIPT).thenCompose(s -> {
                    sha = s;
                    return redis.<List<Long>>evalsha(s, ScriptOutputType.MULTI, keys, args);
                });
        return reply.handle((r, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(r);
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            if (cause instanceof RedisNoScriptException) { // Redis restarted and forgot the script
                return redis.<List<Long>>eval(SCRIPT, ScriptOutputType.MULTI, keys, args).toCompletableFuture();
            }
            return CompletableFuture.<List<Long>>failedFuture(cause);
        }).thenCompose(f -> f).thenApply(r -> new Decision(r.get(0) == 1, r.get(1), r.get(2), r.get(3).intValue()));
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }
}
