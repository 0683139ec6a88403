package com.hushryd.chat.memory;

import com.hushryd.chat.Message;
import com.hushryd.chat.RecentMessages;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** Recent messages of a single node, bounded to {@code maxConversations} (least recently filled dropped first). */
public final class MemoryRecentMessages implements RecentMessages {
    private record Entry(long version, List<Message> messages) {
    }

    private final ConcurrentHashMap<UUID, Entry> entries = new ConcurrentHashMap<>();
    private final int maxConversations;

    public MemoryRecentMessages(int maxConversations) {
        this.maxConversations = maxConversations;
    }

    @Override
    public long version(UUID conversationId) {
        Entry e = entries.get(conversationId);
        return e == null ? 0 : e.version();
    }

    @Override
    public Optional<List<Message>> get(UUID conversationId) {
        Entry e = entries.get(conversationId);
        return e == null || e.messages() == null ? Optional.empty() : Optional.of(e.messages());
    }

    @Override
    public void fill(UUID conversationId, long versionBeforeRead, List<Message> newestFirst) {
        if (newestFirst.isEmpty()) {
            return;
        }
        if (entries.size() >= maxConversations) {
            entries.keySet().stream().findAny().ifPresent(entries::remove);
        }
        List<Message> copy = List.copyOf(newestFirst.subList(0, Math.min(SIZE, newestFirst.size())));
        entries.compute(conversationId, (id, e) -> {
            long version = e == null ? 0 : e.version();
            if (version != versionBeforeRead || (e != null && e.messages() != null)) {
                return e;
            }
            return new Entry(version, copy);
        });
    }

    @Override
    public void appended(Message m) {
        entries.compute(m.conversationId(), (id, e) -> {
            if (e == null) {
                return new Entry(1, null);
            }
            if (e.messages() == null) {
                return new Entry(e.version() + 1, null);
            }
            List<Message> next = new ArrayList<>(Math.min(SIZE, e.messages().size() + 1));
            next.add(m);
            next.addAll(e.messages().subList(0, Math.min(SIZE - 1, e.messages().size())));
            return new Entry(e.version() + 1, List.copyOf(next));
        });
    }
}
