package com.hushryd.store.replica;

/** Where replica-eligible reads went; the Micrometer binding lives in {@code ops/}. Implementations are thread-safe. */
@FunctionalInterface
public interface ReplicaMetrics {
    ReplicaMetrics NONE = (target, outcome) -> {
    };

    /**
     * One read served by {@code target} (a replica's name, or {@code primary}); {@code outcome} says why the primary
     * served it: {@code no_replica}, {@code behind_reader}, {@code marks_unavailable}, {@code replica_failed}, or
     * {@code ok} for a replica.
     */
    void read(String target, String outcome);
}
