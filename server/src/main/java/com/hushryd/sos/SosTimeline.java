package com.hushryd.sos;

import com.hushryd.common.Json;
import com.hushryd.store.Jdbc;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * An alert's tamper-evident timeline: every event (raised, notified per channel, escalated, acknowledged, note,
 * resolved) carries the SHA-256 of the previous event's hash and its own fields, so changing, removing or reordering
 * any stored event breaks every hash after it. Whoever holds the alert (its owner, the admins) can check the chain
 * with {@link #RECIPE} and nothing else; someone who can rewrite the whole table can recompute it, so the head hash is
 * what to keep elsewhere (decision 0058). Appends are serialised per alert by locking its row; call inside the
 * transaction that changes the alert.
 */
public final class SosTimeline {
    public static final String ALGORITHM = "SHA-256";
    public static final String GENESIS = "0".repeat(64);
    public static final String RECIPE = "hash = lowercase hex SHA-256 of the UTF-8 text prevHash + '\\n' + alertId + "
            + "'\\n' + seq + '\\n' + at + '\\n' + kind + '\\n' + actor + '\\n' + detail, with prevHash of the first "
            + "event = genesis, at as ISO-8601 UTC with milliseconds and detail the JSON text exactly as given";

    /** One event as stored and served. */
    public record Event(int seq, String at, String kind, String actor, String detail, String prevHash, String hash) {
    }

    /**
     * The timeline with what a holder needs to verify it.
     *
     * @param verified   whether every hash and link checked out here
     * @param brokenAt   the first event whose hash or link does not match, or null
     */
    public record Timeline(UUID alertId, String algorithm, String genesis, String recipe, List<Event> events,
            String head, boolean verified, Integer brokenAt) {
    }

    private static final java.time.format.DateTimeFormatter AT = java.time.format.DateTimeFormatter
            .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", java.util.Locale.ROOT).withZone(java.time.ZoneOffset.UTC);

    private SosTimeline() {
    }

    /** How {@code at} is written in the hashed text (and served): ISO-8601 UTC, always with milliseconds. */
    static String at(Instant t) {
        return AT.format(t.truncatedTo(ChronoUnit.MILLIS));
    }

    /** Appends an event (locks the alert's row until the caller's transaction ends). */
    static void append(Connection c, UUID alertId, String kind, String actor, Map<String, ?> detail, Instant at)
            throws SQLException {
        Jdbc.one(c, "SELECT id FROM sos_alerts WHERE id = ? FOR UPDATE", rs -> rs.getString("id"), alertId);
        record Last(int seq, String hash) {
        }
        Last last = Jdbc.one(c, "SELECT seq, hash FROM sos_timeline WHERE alert_id = ? ORDER BY seq DESC LIMIT 1",
                rs -> new Last(rs.getInt("seq"), rs.getString("hash")), alertId).orElse(new Last(0, GENESIS));
        int seq = last.seq() + 1;
        Instant when = at.truncatedTo(ChronoUnit.MILLIS);
        String json = Json.write(detail);
        String hash = hash(last.hash(), alertId, seq, at(when), kind, actor, json);
        Jdbc.update(c, "INSERT INTO sos_timeline (alert_id, seq, at, kind, actor, detail, prev_hash, hash) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", alertId, seq, when, kind, actor, json, last.hash(), hash);
    }

    /** The stored timeline, verified. */
    static Timeline read(Connection c, UUID alertId) throws SQLException {
        List<Event> events = Jdbc.list(c, "SELECT seq, at, kind, actor, detail, prev_hash, hash FROM sos_timeline "
                + "WHERE alert_id = ? ORDER BY seq", rs -> new Event(rs.getInt("seq"), at(Jdbc.instant(rs, "at")),
                        rs.getString("kind"), rs.getString("actor"), rs.getString("detail"), rs.getString("prev_hash"),
                        rs.getString("hash")), alertId);
        return verify(alertId, events);
    }

    /** Checks each event's link to the one before and its own hash; the first mismatch breaks the chain. */
    public static Timeline verify(UUID alertId, List<Event> events) {
        String prev = GENESIS;
        Integer broken = null;
        int expectedSeq = 1;
        for (Event e : events) {
            String recomputed = hash(e.prevHash(), alertId, e.seq(), e.at(), e.kind(), e.actor(), e.detail());
            if (e.seq() != expectedSeq || !e.prevHash().equals(prev) || !e.hash().equals(recomputed)) {
                broken = e.seq();
                break;
            }
            prev = e.hash();
            expectedSeq++;
        }
        String head = events.isEmpty() ? GENESIS : events.get(events.size() - 1).hash();
        return new Timeline(alertId, ALGORITHM, GENESIS, RECIPE, List.copyOf(events), head, broken == null, broken);
    }

    static String hash(String prevHash, UUID alertId, int seq, String at, String kind, String actor, String detail) {
        String text = prevHash + '\n' + alertId + '\n' + seq + '\n' + at + '\n' + kind
                + '\n' + actor + '\n' + detail;
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(ALGORITHM)
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A detail map that keeps nulls out and its order as built. */
    static Map<String, Object> detail(Object... kv) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                m.put((String) kv[i], kv[i + 1] instanceof UUID u ? u.toString() : kv[i + 1]);
            }
        }
        return m;
    }
}
