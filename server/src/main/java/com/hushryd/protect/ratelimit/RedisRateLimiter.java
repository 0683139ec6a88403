package com.hushryd.protect.ratelimit;

import com.hushryd.store.RedisLink;
import com.hushryd.store.RedisScript;
import com.hushryd.store.RedisUrl;
import io.lettuce.core.ScriptOutputType;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Buckets in Redis, shared by every node: one {@code EVALSHA} of {@code gcra.lua} per decision (one round trip),
 * atomic because Redis runs a script alone, on Redis's clock. One key per bucket ({@code <prefix>rl:{<key>}}, hash
 * tagged so a Redis Cluster keeps it in one slot), expiring once nothing in it matters.
 */
public final class RedisRateLimiter implements RateLimiter {
    private static final RedisScript GCRA = RedisScript.of(RedisRateLimiter.class, "gcra.lua");

    private final RedisLink client;
    private final RedisLink.Connection<String, String> connection;
    private final String prefix;
    private final Penalties penalties;

    public RedisRateLimiter(RedisUrl url, String prefix, Penalties penalties, String nodeId) {
        this.client = RedisLink.open(url, "hushryd-ratelimit-" + nodeId);
        this.connection = client.connect();
        this.prefix = prefix;
        this.penalties = penalties;
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public CompletionStage<Decision> acquire(String key, Limit limit) {
        String[] keys = {prefix + "rl:{" + key + "}"};
        String[] args = {Long.toString(limit.windowMicros()), Long.toString(limit.intervalMicros()),
            Long.toString(Gcra.micros(penalties.base())), Long.toString(Gcra.micros(penalties.memory())),
            Long.toString(Gcra.micros(penalties.max())), Integer.toString(penalties.freeStrikes())};
        return GCRA.<String, String, List<Long>>run(connection.async(), ScriptOutputType.MULTI, keys, args)
                .thenApply(r -> new Decision(r.get(0) == 1, r.get(1), r.get(2), r.get(3).intValue()));
    }

    @Override
    public void close() {
        connection.close();
        client.close();
    }
}
