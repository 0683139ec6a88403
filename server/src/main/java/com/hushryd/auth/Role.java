package com.hushryd.auth;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

public enum Role {
    PASSENGER, DRIVER, ADMIN;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role named by its lower-case JSON form, or null. */
    public static Role fromJson(String value) {
        for (Role r : values()) {
            if (r.json().equals(value)) {
                return r;
            }
        }
        return null;
    }
}
