package com.hushryd.chat;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The newest {@value #SIZE} messages of each conversation, newest first, shared by all nodes. A per-conversation
 * version makes the cache-aside fill safe: a reader notes the version, reads the database, and its fill is dropped if
 * a message was appended meanwhile, so the cache never misses a committed message. Thread-safe; may block.
 */
public interface RecentMessages {
    int SIZE = 50;

    long version(UUID conversationId);

    /** The cached messages, newest first; empty on a miss. */
    Optional<List<Message>> get(UUID conversationId);

    /** Caches what was read from the database, unless the version moved past {@code versionBeforeRead}. */
    void fill(UUID conversationId, long versionBeforeRead, List<Message> newestFirst);

    /** Records a committed message: moves the version and prepends it if the conversation is cached. */
    void appended(Message message);
}
