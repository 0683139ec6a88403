package com.hushryd.uploads;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a document proves: a driving licence, a vehicle registration certificate (RC), insurance, an identity card. */
public enum DocumentType {
    LICENCE, RC, INSURANCE, ID;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The type named by its lower-case form, or null. */
    public static DocumentType fromJson(String value) {
        for (DocumentType t : values()) {
            if (t.json().equals(value)) {
                return t;
            }
        }
        return null;
    }

    /** Whether only drivers upload this type (everything about a vehicle and its driver). */
    public boolean driversOnly() {
        return this != ID;
    }
}
