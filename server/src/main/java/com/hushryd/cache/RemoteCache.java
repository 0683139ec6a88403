package com.hushryd.cache;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;

/**
 * The shared second level of {@link TwoLevelCache} and the channel that carries invalidations to every node.
 *
 * <p>Values live under (namespace, generation, key). Bumping a namespace's generation ({@link #flush}) makes every
 * value stored under older generations unreachable at once. {@link #invalidate} replaces one value with a tombstone
 * for a while, so that a loader that read the database before the write cannot put the old value back
 * ({@link #putIfAbsent} never overwrites). Both announce themselves to the other nodes' {@link Listener}, at most
 * once, never to the node that called them. Methods block (call them from worker threads) and throw when the backing
 * engine cannot answer; the caller falls back to the database. Thread-safe.
 */
public interface RemoteCache extends AutoCloseable {
    /** Receives other nodes' invalidations; called on the engine's threads, so it must not block. */
    interface Listener {
        void onInvalidate(String namespace, String key);

        void onFlush(String namespace, long generation);

        /** The invalidation channel came back after an outage: anything may have been missed meanwhile. */
        void onReconnect();
    }

    void start(Listener listener);

    /** The stored value, or null when absent or a tombstone. */
    byte[] get(String namespace, long generation, String key);

    void putIfAbsent(String namespace, long generation, String key, byte[] value, Duration ttl);

    void invalidate(String namespace, long generation, String key, Duration tombstone);

    /** Bumps the namespace's generation and announces it; returns the new generation. */
    long flush(String namespace);

    /** The current generation of each namespace (0 when never flushed). */
    Map<String, Long> generations(Collection<String> namespaces);

    /** One round trip to the remote store; throws when it cannot serve. */
    void ping();

    /** Whether invalidations from other nodes can reach this one now. */
    boolean connected();

    @Override
    void close();
}
