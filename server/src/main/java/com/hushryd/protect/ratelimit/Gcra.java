package com.hushryd.protect.ratelimit;

/**
 * The rate-limit algorithm of the in-process backend, step for step the same as {@code gcra.lua} of the Redis one:
 * GCRA on a theoretical arrival time, plus the strike and block bookkeeping of {@link Penalties}.
 */
final class Gcra {
    /** One bucket's state; times in epoch microseconds. */
    static final class State {
        long tat;
        int strikes;
        long lastStrike;
        long blockedUntil;
        boolean allowedSinceStrike;

        /** When the state can be forgotten: nothing in it matters any more after this. */
        long expiresAt(Penalties penalties) {
            return Math.max(Math.max(tat, blockedUntil), strikes > 0 ? lastStrike + micros(penalties.memory()) : 0);
        }
    }

    private Gcra() {
    }

    static long micros(java.time.Duration d) {
        return d.toNanos() / 1_000;
    }

    private static long millis(long micros) {
        return (micros + 999) / 1_000;
    }

    /** One decision at {@code now} (epoch microseconds). */
    static Decision decide(State s, long now, Limit limit, Penalties penalties) {
        long window = limit.windowMicros();
        long interval = limit.intervalMicros();
        if (s.strikes > 0 && now - s.lastStrike > micros(penalties.memory())) {
            s.strikes = 0;
        }
        if (s.blockedUntil > now) {
            return new Decision(false, 0, millis(s.blockedUntil - now), s.strikes);
        }
        long tat = Math.max(s.tat, now);
        long newTat = tat + interval;
        long allowAt = newTat - window;
        if (now < allowAt) {
            long retry = allowAt - now;
            if (penalties.enabled() && (s.strikes == 0 || s.allowedSinceStrike)) {
                s.strikes++;
                s.lastStrike = now;
                s.allowedSinceStrike = false;
                long block = penalties.blockMillis(s.strikes) * 1_000;
                if (block > 0) {
                    s.blockedUntil = now + block;
                    retry = Math.max(retry, block);
                }
            }
            s.tat = tat;
            return new Decision(false, 0, millis(retry), s.strikes);
        }
        s.tat = newTat;
        s.allowedSinceStrike = true;
        return new Decision(true, (now + window - newTat) / interval, millis(newTat - now), s.strikes);
    }
}
