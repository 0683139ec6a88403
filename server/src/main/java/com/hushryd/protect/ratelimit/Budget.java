package com.hushryd.protect.ratelimit;

/**
 * One caller's quota kept by its owner rather than in a shared limiter (e.g. a socket's event budget, which only its
 * event loop touches): the same GCRA as the in-process limiter, without penalties. Not thread-safe.
 */
public final class Budget {
    private final Limit limit;
    private final Gcra.State state = new Gcra.State();

    public Budget(Limit limit) {
        this.limit = limit;
    }

    public Limit limit() {
        return limit;
    }

    /** Takes one unit now, or says how long until one is available. */
    public Decision take() {
        return Gcra.decide(state, System.currentTimeMillis() * 1_000, limit, Penalties.NONE);
    }
}
