package com.hushryd.store;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A Lua script kept as a resource beside the class that runs it, run by its SHA-1 ({@code EVALSHA}) and sent whole
 * ({@code EVAL}, which also caches it) only when the server answers {@code NOSCRIPT} (a restart, a failover, or a
 * cluster node that never saw it). On a Redis Cluster a script runs on the node owning its first key: every script
 * keeps all its keys (and any shard channel it publishes to) under one hash tag, stated in its header. Immutable and
 * thread-safe.
 */
public final class RedisScript {
    private final String name;
    private final String body;
    private final String sha;

    private RedisScript(String name, String body) {
        this.name = name;
        this.body = body;
        this.sha = sha1(body);
    }

    /** Loads {@code resource} (e.g. {@code "put.lua"}) from {@code owner}'s package; fails at once if missing. */
    public static RedisScript of(Class<?> owner, String resource) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " missing from the classpath beside " + owner.getName());
            }
            return new RedisScript(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A script made of several resources of {@code owner}'s package, joined in order (Lua functions shared by several
     * scripts live in files of their own, included first); named after the last.
     */
    public static RedisScript composed(Class<?> owner, String... resources) {
        StringBuilder body = new StringBuilder();
        for (String resource : resources) {
            body.append(of(owner, resource).body()).append('\n');
        }
        return new RedisScript(resources[resources.length - 1], body.toString());
    }

    public String name() {
        return name;
    }

    public String body() {
        return body;
    }

    public String sha() {
        return sha;
    }

    /** Runs it without blocking. */
    @SafeVarargs
    public final <K, V, T> CompletionStage<T> run(RedisClusterAsyncCommands<K, V> redis, ScriptOutputType type,
            K[] keys, V... args) {
        CompletableFuture<T> out = new CompletableFuture<>();
        redis.<T>evalsha(sha, type, keys, args).whenComplete((v, e) -> {
            if (e == null) {
                out.complete(v);
            } else if (noScript(e)) {
                redis.<T>eval(body, type, keys, args).whenComplete((v2, e2) -> {
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

    /** Runs it and waits for the answer (for callers already off the event loops). */
    @SafeVarargs
    public final <K, V, T> T call(RedisClusterCommands<K, V> redis, ScriptOutputType type, K[] keys, V... args) {
        try {
            return redis.evalsha(sha, type, keys, args);
        } catch (RedisNoScriptException e) {
            return redis.eval(body, type, keys, args);
        }
    }

    private static boolean noScript(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RedisNoScriptException
                    || (t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT"))) {
                return true;
            }
        }
        return false;
    }

    private static String sha1(String body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
