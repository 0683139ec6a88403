package com.hushryd.idempotency;

import com.hushryd.http.Reply;

/**
 * What an {@link IdempotentCall} gave: either a fresh result, whose side effects after the commit (cache
 * invalidation, broadcasts, listeners) are still to run, or the answer stored with the key, replayed as it was.
 */
public final class Outcome<T> {
    private final T value;
    private final Reply reply;
    private final boolean replayed;

    private Outcome(T value, Reply reply, boolean replayed) {
        this.value = value;
        this.reply = reply;
        this.replayed = replayed;
    }

    static <T> Outcome<T> fresh(T value, Reply reply) {
        return new Outcome<>(value, reply, false);
    }

    static <T> Outcome<T> replayed(Reply reply) {
        return new Outcome<>(null, reply, true);
    }

    /** True when the call did nothing and {@link #reply()} is the stored answer of an earlier call. */
    public boolean replayed() {
        return replayed;
    }

    /** The fresh result; null when {@link #replayed()}. */
    public T value() {
        return value;
    }

    /** The HTTP answer: the fresh one, or the stored one with {@code Idempotent-Replayed: true}. */
    public Reply reply() {
        return reply;
    }
}
