package com.hushryd.jobs;

import java.util.Locale;

/** How urgently a job runs: a waiting job of a higher priority is always taken before any of a lower one. */
public enum Priority {
    CRITICAL, HIGH, NORMAL;

    /** 0 for the most urgent; the order in which the backends sort. */
    public int rank() {
        return ordinal();
    }

    public static Priority ofRank(int rank) {
        return values()[rank];
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
