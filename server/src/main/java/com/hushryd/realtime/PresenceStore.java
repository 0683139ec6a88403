package com.hushryd.realtime;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Who is online across the cluster. A user is online while at least one of their sockets is registered by a live
 * node. Each registration expires {@code ttl} after its node last refreshed it, so the users of a crashed node go
 * offline within {@code ttl} plus one sweep. Transitions (offline to online and back) are reported exactly once
 * across all nodes. Thread-safe; blocking (call it from worker threads).
 */
public interface PresenceStore extends AutoCloseable {
    /** Online or not, and when the user was last seen (null if never). */
    record Presence(boolean online, Instant lastSeen) {
    }

    /** Registers a socket; true if the user was offline until now. */
    boolean connected(UUID userId, String socketKey);

    /** Removes a socket; true if it was the user's last one (the user is now offline). */
    boolean disconnected(UUID userId, String socketKey);

    /** Extends the registrations of this node's live sockets (the node's heartbeat). */
    void refresh(Map<UUID, ? extends Collection<String>> socketsByUser);

    /** Drops expired registrations and returns the users that went offline because of it. */
    List<UUID> sweep();

    Presence get(UUID userId);

    /**
     * Runs {@code onReturn} (on a backend thread: it must not block) each time the backend is reachable again after an
     * outage; the next {@link #refresh} then registers every live socket again, also those whose registration was
     * lost or never made (a connect during the outage, a backend restarted empty). Never for an in-process store.
     */
    default void onReturn(Runnable onReturn) {
    }

    @Override
    void close();
}
