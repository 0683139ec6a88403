package com.hushryd.store.replica.redis;

import com.hushryd.store.RedisLink;
import com.hushryd.store.RedisScript;
import com.hushryd.store.RedisUrl;
import com.hushryd.store.replica.ReadMarks;
import com.hushryd.store.replica.memory.MemoryReadMarks;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

/**
 * Read-your-writes marks shared by every node in Redis: one key per user ({@code <prefix>ryw:{<userId>}}, the LSN as 16
 * hex digits so that string order is LSN order), set with a TTL by a script that keeps the greater mark. This node
 * also keeps its own copy: its reads honour its own writes even when a mark could not be stored in Redis.
 */
public final class RedisReadMarks implements ReadMarks {
    private static final RedisScript KEEP_GREATER = RedisScript.of(RedisReadMarks.class, "keep-greater.lua");

    private final RedisLink client;
    private final RedisLink.Connection<String, String> connection;
    private final String prefix;
    private final Duration ttl;
    private final MemoryReadMarks local;

    public RedisReadMarks(RedisUrl url, String prefix, String nodeId, Duration ttl) {
        this.client = RedisLink.open(url, "hushryd-ryw-" + nodeId);
        this.connection = client.connect();
        this.prefix = prefix;
        this.ttl = ttl;
        this.local = new MemoryReadMarks(ttl, 100_000);
    }

    private String key(UUID user) {
        return prefix + "ryw:{" + user + "}";
    }

    @Override
    public void remember(UUID user, long lsn) {
        local.remember(user, lsn);
        KEEP_GREATER.call(connection.sync(), ScriptOutputType.INTEGER, new String[] {key(user)},
                String.format(Locale.ROOT, "%016x", lsn), Long.toString(ttl.toMillis()));
    }

    @Override
    public long mark(UUID user) {
        String v = connection.sync().get(key(user));
        long shared = v == null ? NONE : Long.parseUnsignedLong(v, 16);
        return Math.max(shared, local.mark(user));
    }

    @Override
    public void close() {
        connection.close();
        client.close();
    }
}
