package com.hushryd.ops;

/** Where a node is in its life; only a READY node reports ready to load balancers. */
public final class Lifecycle {
    public enum State {
        STARTING, READY, STOPPING
    }

    private volatile State state = State.STARTING;

    public State state() {
        return state;
    }

    public void ready() {
        state = State.READY;
    }

    public void stopping() {
        state = State.STOPPING;
    }
}
