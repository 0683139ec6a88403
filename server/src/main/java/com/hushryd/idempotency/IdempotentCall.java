package com.hushryd.idempotency;

import com.hushryd.http.Reply;
import com.hushryd.store.Database;
import com.hushryd.store.SqlWork;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * One creating call as its key sees it: the caller, the key, the operation and a fingerprint of what was asked (the
 * target and the parsed body). {@link #NONE} is a call sent without a key: it always runs. Blocking: worker threads.
 */
public final class IdempotentCall {
    /** A call without an {@code Idempotency-Key}: every run does the work. */
    public static final IdempotentCall NONE = new IdempotentCall(null, null, null, null, null);

    private final IdempotencyKeys keys;
    private final UUID userId;
    private final String key;
    private final String operation;
    private final String fingerprint;

    IdempotentCall(IdempotencyKeys keys, UUID userId, String key, String operation, String fingerprint) {
        this.keys = keys;
        this.userId = userId;
        this.key = key;
        this.operation = operation;
        this.fingerprint = fingerprint;
    }

    UUID userId() {
        return userId;
    }

    String key() {
        return key;
    }

    String operation() {
        return operation;
    }

    String fingerprint() {
        return fingerprint;
    }

    /**
     * Inside the caller's transaction on {@code c}: claims the key and runs {@code work}, storing {@code answer}'s
     * reply with the key; or, when the key was used before by this user, answers the stored reply without running
     * {@code work}. A concurrent call with the same key waits for this transaction and then replays its answer (or
     * runs, if this one rolled back). A key used before for another operation or body is a 422
     * {@code IDEMPOTENCY_KEY_REUSED}. Nothing is stored when {@code work} throws: the transaction rolls back.
     */
    public <T> Outcome<T> run(Connection c, SqlWork<T> work, Function<T, Reply> answer) throws SQLException {
        if (keys == null) {
            T value = work.run(c);
            return Outcome.fresh(value, answer.apply(value));
        }
        Optional<Reply> earlier = keys.claim(c, this);
        if (earlier.isPresent()) {
            return Outcome.replayed(earlier.get());
        }
        T value = work.run(c);
        Reply reply = answer.apply(value);
        keys.remember(c, this, reply);
        return Outcome.fresh(value, reply);
    }

    /**
     * The stored answer of an earlier call with this key, read outside a transaction (for calls whose checks before
     * their transaction would refuse a retry, e.g. completing an upload already processed); empty without a key.
     */
    public <T> Optional<Outcome<T>> replay(Database db) throws SQLException {
        return keys == null ? Optional.empty() : db.read(c -> keys.find(c, this)).map(Outcome::replayed);
    }
}
