package com.hushryd.sos;

/** What the SOS service reports; bound to Micrometer in {@code ops}. */
public interface SosMetrics {
    SosMetrics NONE = (created, nanos) -> {
    };

    /** A trigger answered: a new alert ({@code created}) or an existing one, after {@code nanos}. */
    void triggered(boolean created, long nanos);
}
