package com.hushryd.chat.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.hushryd.chat.Message;
import com.hushryd.chat.RecentMessages;
import com.hushryd.common.Json;
import com.hushryd.store.RedisConnector;
import com.hushryd.store.RedisUrl;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Recent messages in Redis: a list {@code hushryd:chat:{<id>}:recent} of JSON messages and a version counter beside it
 * (one hash slot per conversation). Entries expire an hour after their last fill or append.
 */
public final class RedisRecentMessages implements RecentMessages {
    private static final long TTL_MS = 3_600_000;
    // KEYS: list, version. ARGV: message json, size, ttl
    private static final String APPEND = """
            redis.call('INCR', KEYS[2])
            redis.call('PEXPIRE', KEYS[2], ARGV[3])
            if redis.call('EXISTS', KEYS[1]) == 1 then
              redis.call('LPUSH', KEYS[1], ARGV[1])
              redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
              redis.call('PEXPIRE', KEYS[1], ARGV[3])
            end
            return 0
            """;
    // KEYS: list, version. ARGV: expected version, ttl, messages newest first...
    private static final String FILL = """
            local v = redis.call('GET', KEYS[2]) or '0'
            if v == ARGV[1] and redis.call('EXISTS', KEYS[1]) == 0 then
              for i = 3, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
              return 1
            end
            return 0
            """;

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    public RedisRecentMessages(RedisUrl url, String nodeId) {
        this.client = RedisConnector.client(url, "hushryd-chat-" + nodeId);
        this.connection = client.connect();
    }

    private static String list(UUID id) {
        return "hushryd:chat:{" + id + "}:recent";
    }

    private static String versionKey(UUID id) {
        return "hushryd:chat:{" + id + "}:ver";
    }

    @Override
    public long version(UUID conversationId) {
        String v = connection.sync().get(versionKey(conversationId));
        return v == null ? 0 : Long.parseLong(v);
    }

    @Override
    public Optional<List<Message>> get(UUID conversationId) {
        List<String> raw = connection.sync().lrange(list(conversationId), 0, SIZE - 1);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        List<Message> out = new ArrayList<>(raw.size());
        for (String r : raw) {
            try {
                out.add(Json.MAPPER.readValue(r, Message.class));
            } catch (JsonProcessingException e) {
                connection.sync().del(list(conversationId));
                return Optional.empty();
            }
        }
        return Optional.of(out);
    }

    @Override
    public void fill(UUID conversationId, long versionBeforeRead, List<Message> newestFirst) {
        if (newestFirst.isEmpty()) {
            return;
        }
        List<String> args = new ArrayList<>();
        args.add(Long.toString(versionBeforeRead));
        args.add(Long.toString(TTL_MS));
        for (Message m : newestFirst.subList(0, Math.min(SIZE, newestFirst.size()))) {
            args.add(json(m));
        }
        connection.sync().eval(FILL, ScriptOutputType.INTEGER,
                new String[] {list(conversationId), versionKey(conversationId)}, args.toArray(String[]::new));
    }

    @Override
    public void appended(Message m) {
        connection.sync().eval(APPEND, ScriptOutputType.INTEGER,
                new String[] {list(m.conversationId()), versionKey(m.conversationId())}, json(m),
                Integer.toString(SIZE), Long.toString(TTL_MS));
    }

    private static String json(Message m) {
        try {
            return Json.MAPPER.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public void close() {
        connection.close();
        client.shutdown();
    }
}
