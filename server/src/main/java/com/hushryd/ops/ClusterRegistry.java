package com.hushryd.ops;

import com.hushryd.store.Database;
import com.hushryd.store.Jdbc;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Cluster membership kept in PostgreSQL: each node upserts its row on a heartbeat and deletes it on a clean stop; a
 * node not seen for {@link #ALIVE_WITHIN} is reported as not alive, and rows older than a day are pruned.
 */
public final class ClusterRegistry {
    public static final Duration HEARTBEAT = Duration.ofSeconds(5);
    static final Duration ALIVE_WITHIN = Duration.ofSeconds(15);

    private final Database db;
    private final String nodeId;
    private volatile String address = "unknown";
    private volatile java.util.function.Supplier<Object> stats = () -> null;
    private final String version;
    private final Instant startedAt;
    private final Clock clock;

    public ClusterRegistry(Database db, String nodeId, String version, Clock clock) {
        this.db = db;
        this.nodeId = nodeId;
        this.version = version;
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    /** One node as the cluster sees it. */
    public record NodeInfo(String nodeId, String address, String version, Instant startedAt, Instant lastSeenAt,
            boolean alive, boolean self, com.fasterxml.jackson.databind.JsonNode stats) {
    }

    public record ClusterView(String nodeId, int aliveNodes, List<NodeInfo> nodes) {
    }

    /** What this node reports about itself with each heartbeat (shown by {@code /admin/cluster}). */
    public void reportStats(java.util.function.Supplier<Object> supplier) {
        this.stats = supplier;
    }

    /** Where other nodes and operators reach this node; set once it listens. */
    public void announce(String address) {
        this.address = address;
    }

    public void heartbeat() throws SQLException {
        Instant now = clock.instant();
        db.read(c -> {
            Jdbc.update(c, "INSERT INTO cluster_nodes (node_id, address, version, started_at, last_seen_at, stats) "
                    + "VALUES (?, ?, ?, ?, ?, ?::jsonb) ON CONFLICT (node_id) DO UPDATE SET address = EXCLUDED.address, "
                    + "version = EXCLUDED.version, started_at = EXCLUDED.started_at, "
                    + "last_seen_at = EXCLUDED.last_seen_at, stats = EXCLUDED.stats",
                    nodeId, address, version, startedAt, now, statsJson());
            Jdbc.update(c, "DELETE FROM cluster_nodes WHERE last_seen_at < ?", now.minus(Duration.ofDays(1)));
            return null;
        });
    }

    private String statsJson() {
        Object s = stats.get();
        return s == null ? null : new String(com.hushryd.common.Json.bytes(s), java.nio.charset.StandardCharsets.UTF_8);
    }

    public void leave() throws SQLException {
        db.read(c -> Jdbc.update(c, "DELETE FROM cluster_nodes WHERE node_id = ?", nodeId));
    }

    public ClusterView view() throws SQLException {
        Instant aliveSince = clock.instant().minus(ALIVE_WITHIN);
        List<NodeInfo> nodes = db.read(c -> Jdbc.list(c, "SELECT node_id, address, version, started_at, "
                + "last_seen_at, stats::text AS stats FROM cluster_nodes ORDER BY node_id", rs -> {
                    Instant seen = Jdbc.instant(rs, "last_seen_at");
                    String id = rs.getString("node_id");
                    String stats = rs.getString("stats");
                    com.fasterxml.jackson.databind.JsonNode tree;
                    try {
                        tree = stats == null ? null : com.hushryd.common.Json.MAPPER.readTree(stats);
                    } catch (java.io.IOException e) {
                        tree = null;
                    }
                    return new NodeInfo(id, rs.getString("address"), rs.getString("version"),
                            Jdbc.instant(rs, "started_at"), seen, !seen.isBefore(aliveSince), id.equals(nodeId), tree);
                }));
        return new ClusterView(nodeId, (int) nodes.stream().filter(NodeInfo::alive).count(), nodes);
    }
}
