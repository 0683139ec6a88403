package com.hushryd.idempotency;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.hushryd.common.ApiException;
import com.hushryd.http.ApiRequest;
import com.hushryd.common.Json;
import com.hushryd.http.Reply;
import com.hushryd.store.Database;
import com.hushryd.store.Jdbc;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code idempotency_keys} table: per (user, key) the operation, a fingerprint of the request and the answer it
 * got, written in the transaction of the call itself, so a key is stored if and only if its call's writes are
 * (decision 0052). Keys are scoped by user: another user's key never collides. A key lives {@code ttl} and is then
 * free again; {@link #purgeExpired()} deletes expired rows. Thread-safe; blocking.
 */
public final class IdempotencyKeys {
    /** The request header. */
    public static final String HEADER = "Idempotency-Key";
    /** Longest key accepted (as for SOS: 1 to 200 visible ASCII characters). */
    public static final int MAX_KEY = 200;
    private static final int PURGE_BATCH = 10_000;
    private static final Map<String, String> REPLAYED = Map.of("Idempotent-Replayed", "true");

    private final Database db;
    private final Duration ttl;
    private final Clock clock;

    public IdempotencyKeys(Database db, Duration ttl, Clock clock) {
        this.db = db;
        this.ttl = ttl;
        this.clock = clock;
    }

    public Duration ttl() {
        return ttl;
    }

    /**
     * The call {@code req} makes: {@link IdempotentCall#NONE} without the header; a 400 {@code VALIDATION_FAILED}
     * naming {@code Idempotency-Key} for a key that is empty, longer than {@value #MAX_KEY} or not visible ASCII.
     * {@code target} (e.g. the trip id of a booking) and {@code input} (the parsed body, or null) make the
     * fingerprint: the same key with another target or body is refused when it is run.
     */
    public IdempotentCall call(ApiRequest req, String operation, String target, Object input) {
        String key = req.header(HEADER);
        if (key == null) {
            return IdempotentCall.NONE;
        }
        if (!valid(key)) {
            throw ApiException.invalid(HEADER, "must be 1 to " + MAX_KEY + " visible ASCII characters");
        }
        String request = operation + "\n" + (target == null ? "" : target) + "\n"
                + (input == null ? "" : Json.write(input));
        return new IdempotentCall(this, req.principal().userId(), key, operation, sha256(request));
    }

    /** Whether {@code key} is 1 to {@value #MAX_KEY} visible ASCII characters. */
    public static boolean valid(String key) {
        return !key.isEmpty() && key.length() <= MAX_KEY && key.chars().allMatch(ch -> ch > 32 && ch < 127);
    }

    /**
     * Claims the key in the caller's transaction (empty: go ahead), or returns the answer stored with it. An expired
     * key is claimed again. The insert waits for a concurrent transaction holding the same key.
     */
    Optional<Reply> claim(Connection c, IdempotentCall call) throws SQLException {
        Instant now = now();
        int claimed = Jdbc.update(c, "INSERT INTO idempotency_keys (user_id, key, operation, fingerprint, created_at, "
                + "expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, key) DO UPDATE SET "
                + "operation = EXCLUDED.operation, fingerprint = EXCLUDED.fingerprint, response_status = NULL, "
                + "response_body = NULL, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at "
                + "WHERE idempotency_keys.expires_at <= EXCLUDED.created_at",
                call.userId(), call.key(), call.operation(), call.fingerprint(), now, now.plus(ttl));
        if (claimed == 1) {
            return Optional.empty();
        }
        return Optional.of(find(c, call).orElseThrow(IdempotencyKeys::inUse));
    }

    /** Stores the answer of a claimed key, in the same transaction as the claim. */
    void remember(Connection c, IdempotentCall call, Reply reply) throws SQLException {
        Jdbc.update(c, "UPDATE idempotency_keys SET response_status = ?, response_body = ? "
                + "WHERE user_id = ? AND key = ?", reply.status(),
                reply.body() == null ? null : Json.write(reply.body()), call.userId(), call.key());
    }

    /** The stored answer of a live key; a 422 when the key was used for another operation or request. */
    Optional<Reply> find(Connection c, IdempotentCall call) throws SQLException {
        Optional<Stored> stored = Jdbc.one(c, "SELECT operation, fingerprint, response_status, response_body "
                + "FROM idempotency_keys WHERE user_id = ? AND key = ? AND expires_at > ?",
                rs -> new Stored(rs.getString("operation"), rs.getString("fingerprint"),
                        (Integer) rs.getObject("response_status"), rs.getString("response_body")),
                call.userId(), call.key(), now());
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        Stored s = stored.get();
        if (!s.operation().equals(call.operation()) || !s.fingerprint().equals(call.fingerprint())) {
            throw new ApiException(422, "IDEMPOTENCY_KEY_REUSED", HEADER + ": already used for another request ("
                    + s.operation() + ") within " + ttl.toHours() + " h; send a new key for a new action",
                    Map.of("field", HEADER, "operation", s.operation()), null);
        }
        if (s.status() == null) {
            // claimed and not yet answered is only visible inside the claiming transaction: not expected here
            throw inUse();
        }
        try {
            return Optional.of(new Reply(s.status(), s.body() == null ? null : Json.MAPPER.readTree(s.body()),
                    REPLAYED));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored answer of an idempotency key is not JSON", e);
        }
    }

    /** Deletes expired keys (in batches); returns how many. */
    public int purgeExpired() throws SQLException {
        int total = 0;
        Instant now = now();
        for (int n = PURGE_BATCH; n == PURGE_BATCH; total += n) {
            n = db.read(c -> Jdbc.update(c, "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM "
                    + "idempotency_keys WHERE expires_at <= ? LIMIT " + PURGE_BATCH + ")", now));
        }
        return total;
    }

    private static ApiException inUse() {
        return new ApiException(409, "IDEMPOTENCY_KEY_IN_USE", "a request with this Idempotency-Key is still "
                + "being processed; retry shortly", Map.of("field", HEADER), Map.of("Retry-After", "1"));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private record Stored(String operation, String fingerprint, Integer status, String body) {
    }
}
