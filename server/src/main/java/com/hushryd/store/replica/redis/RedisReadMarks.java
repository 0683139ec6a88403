package com.hushryd.store.replica.redis;

import com.hushryd.store.RedisConnector;
import com.hushryd.store.RedisUrl;
import com.hushryd.store.replica.ReadMarks;
import com.hushryd.store.replica.memory.MemoryReadMarks;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

/**
 * Read-your-writes marks shared by every node in Redis: one key per user ({@code <prefix>ryw:<userId>}, the LSN as 16
 * hex digits so that string order is LSN order), set with a TTL by a script that keeps the greater mark. This node
 * also keeps its own copy: its reads honour its own writes even when a mark could not be stored in Redis.
 */
public final class RedisReadMarks implements ReadMarks {
    /** KEYS[1] the user's mark; ARGV[1] the LSN (16 hex digits), ARGV[2] the TTL in ms. Keeps the greater. */
    private static final String KEEP_GREATER = "local cur = redis.call('GET', KEYS[1]) "
            + "if (not cur) or cur < ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "
            + "else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 1";

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final String prefix;
    private final Duration ttl;
    private final MemoryReadMarks local;

    public RedisReadMarks(RedisUrl url, String prefix, String nodeId, Duration ttl) {
        this.client = RedisConnector.client(url, "hushryd-ryw-" + nodeId);
        this.connection = client.connect();
        this.prefix = prefix;
        this.ttl = ttl;
        this.local = new MemoryReadMarks(ttl, 100_000);
    }

    private String key(UUID user) {
        return prefix + "ryw:" + user;
    }

    @Override
    public void remember(UUID user, long lsn) {
        local.remember(user, lsn);
        connection.sync().eval(KEEP_GREATER, ScriptOutputType.INTEGER, new String[] {key(user)},
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
        client.shutdown();
    }
}
