package com.hushryd.uploads;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Where a document is in its processing: {@code pending} (uploaded, job queued) → {@code processing} →
 * {@code verified} or {@code rejected} (with a reason). An attempt that fails for a passing reason (the store does
 * not answer) puts it back to {@code pending} until the job's retry.
 */
public enum DocumentStatus {
    PENDING, PROCESSING, VERIFIED, REJECTED;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DocumentStatus fromJson(String value) {
        for (DocumentStatus s : values()) {
            if (s.json().equals(value)) {
                return s;
            }
        }
        return null;
    }

    public boolean isFinal() {
        return this == VERIFIED || this == REJECTED;
    }
}
