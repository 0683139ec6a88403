package com.hushryd.chat.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.hushryd.chat.Message;
import com.hushryd.chat.RecentMessages;
import com.hushryd.common.Json;
import com.hushryd.store.RedisLink;
import com.hushryd.store.RedisScript;
import com.hushryd.store.RedisUrl;
import io.lettuce.core.ScriptOutputType;
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
    private static final RedisScript APPEND = RedisScript.of(RedisRecentMessages.class, "append.lua");
    private static final RedisScript FILL = RedisScript.of(RedisRecentMessages.class, "fill.lua");

    private final RedisLink client;
    private final RedisLink.Connection<String, String> connection;

    public RedisRecentMessages(RedisUrl url, String nodeId) {
        this.client = RedisLink.open(url, "hushryd-chat-" + nodeId);
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
        FILL.call(connection.sync(), ScriptOutputType.INTEGER,
                new String[] {list(conversationId), versionKey(conversationId)}, args.toArray(String[]::new));
    }

    @Override
    public void appended(Message m) {
        APPEND.call(connection.sync(), ScriptOutputType.INTEGER,
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
        client.close();
    }
}
