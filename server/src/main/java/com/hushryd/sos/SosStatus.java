package com.hushryd.sos;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The life of an alert: active until an admin acknowledges it, then resolved by its owner or an admin. */
public enum SosStatus {
    ACTIVE, ACKNOWLEDGED, RESOLVED;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    static SosStatus of(String db) {
        return valueOf(db.toUpperCase(Locale.ROOT));
    }
}
