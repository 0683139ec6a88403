package com.hushryd.realtime.memory;

import com.hushryd.realtime.PresenceStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** Presence of a single node, with the same expiry rules as the Redis store. */
public final class MemoryPresenceStore implements PresenceStore {
    private final Duration ttl;
    private final Clock clock;
    private final ConcurrentHashMap<UUID, Map<String, Long>> sockets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UUID, Instant> lastSeen = new ConcurrentHashMap<>();

    public MemoryPresenceStore(Duration ttl, Clock clock) {
        this.ttl = ttl;
        this.clock = clock;
    }

    @Override
    public boolean connected(UUID userId, String socketKey) {
        long now = clock.millis();
        boolean[] wasOffline = {false};
        sockets.compute(userId, (u, m) -> {
            Map<String, Long> live = m == null ? new HashMap<>() : m;
            live.values().removeIf(exp -> exp <= now);
            wasOffline[0] = live.isEmpty();
            live.put(socketKey, now + ttl.toMillis());
            return live;
        });
        return wasOffline[0];
    }

    @Override
    public boolean disconnected(UUID userId, String socketKey) {
        long now = clock.millis();
        boolean[] wentOffline = {false};
        sockets.computeIfPresent(userId, (u, live) -> {
            boolean removed = live.remove(socketKey) != null;
            live.values().removeIf(exp -> exp <= now);
            if (live.isEmpty()) {
                if (removed) {
                    wentOffline[0] = true;
                    lastSeen.put(userId, Instant.ofEpochMilli(now));
                }
                return null;
            }
            return live;
        });
        return wentOffline[0];
    }

    @Override
    public void refresh(Map<UUID, ? extends Collection<String>> socketsByUser) {
        long exp = clock.millis() + ttl.toMillis();
        socketsByUser.forEach((user, keys) -> sockets.computeIfPresent(user, (u, live) -> {
            for (String k : keys) {
                live.replace(k, exp);
            }
            return live;
        }));
    }

    @Override
    public List<UUID> sweep() {
        long now = clock.millis();
        List<UUID> offline = new ArrayList<>();
        for (UUID user : sockets.keySet()) {
            sockets.computeIfPresent(user, (u, live) -> {
                long newest = live.values().stream().mapToLong(Long::longValue).max().orElse(now);
                live.values().removeIf(exp -> exp <= now);
                if (live.isEmpty()) {
                    offline.add(u);
                    lastSeen.put(u, Instant.ofEpochMilli(newest - ttl.toMillis()));
                    return null;
                }
                return live;
            });
        }
        return offline;
    }

    @Override
    public Presence get(UUID userId) {
        long now = clock.millis();
        boolean[] online = {false};
        sockets.computeIfPresent(userId, (u, live) -> {
            online[0] = live.values().stream().anyMatch(exp -> exp > now);
            return live;
        });
        return new Presence(online[0], online[0] ? Instant.ofEpochMilli(now) : lastSeen.get(userId));
    }

    @Override
    public void close() {
    }
}
