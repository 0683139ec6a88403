package com.hushryd.store.replica.memory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.hushryd.store.replica.ReadMarks;
import java.time.Duration;
import java.util.UUID;

/** Read-your-writes marks in this process (a single node, or this node's own copy beside Redis's). */
public final class MemoryReadMarks implements ReadMarks {
    private final Cache<UUID, Long> marks;

    public MemoryReadMarks(Duration ttl, long maximumSize) {
        this.marks = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(maximumSize).build();
    }

    @Override
    public void remember(UUID user, long lsn) {
        marks.asMap().merge(user, lsn, Math::max);
    }

    @Override
    public long mark(UUID user) {
        Long m = marks.getIfPresent(user);
        return m == null ? NONE : m;
    }
}
