package com.hushryd.store.replica;

import java.util.UUID;

/**
 * Where each user's latest write reached the primary's write-ahead log (its LSN), remembered for a while so that a
 * read-only query for that user goes to a replica only once the replica has replayed past it (read-your-writes,
 * decision 0062). {@link #remember} keeps the greater of two marks, whichever node sets them and in whatever order; a
 * mark expires {@code ttl} after its last write. Thread-safe. A backend shared by the nodes (Redis) makes the guarantee
 * hold across nodes; one that cannot answer throws, and the caller then reads from the primary.
 */
public interface ReadMarks extends AutoCloseable {
    /** No write of this user is remembered. */
    long NONE = -1;

    /** Remembers that {@code user} wrote at {@code lsn} (unless a greater mark is already kept). */
    void remember(UUID user, long lsn);

    /** The user's remembered mark, or {@link #NONE}; throws when the backend cannot answer. */
    long mark(UUID user);

    @Override
    default void close() {
    }
}
