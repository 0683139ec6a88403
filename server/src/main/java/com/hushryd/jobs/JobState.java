package com.hushryd.jobs;

import java.util.Locale;

/** Where a job is in its life. */
public enum JobState {
    WAITING, DELAYED, ACTIVE, COMPLETED, FAILED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
