package com.hushryd.store.replica;

import com.hushryd.store.DatabaseUrl;
import java.time.Duration;
import java.util.List;

/**
 * The read replicas of a node (DATABASE_READ_URLS, none by default) and the lag beyond which one leaves rotation
 * (DB_REPLICA_MAX_LAG, 2 s by default).
 */
public record ReplicaSettings(List<DatabaseUrl> urls, Duration maxLag) {
    public ReplicaSettings {
        urls = List.copyOf(urls);
    }
}
