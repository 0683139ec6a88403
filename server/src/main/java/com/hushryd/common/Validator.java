package com.hushryd.common;

import com.hushryd.common.ApiException.FieldError;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Collects field errors while checking a request, then throws one 400 listing them all. Each check returns the
 * normalised value (trimmed text, canonical phone), or null when the value is absent or invalid.
 */
public final class Validator {
    private static final Pattern PHONE = Pattern.compile("\\+[1-9]\\d{6,14}");
    private static final Pattern PHONE_SEPARATORS = Pattern.compile("[\\s().-]");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+");

    private final List<FieldError> errors = new ArrayList<>();

    /** A required UUID field: the UUID, or a 400 naming the field. */
    public static java.util.UUID requireUuid(String field, String value) {
        try {
            if (value != null && value.length() == 36) {
                return java.util.UUID.fromString(value);
            }
        } catch (IllegalArgumentException e) {
            // refused below
        }
        throw ApiException.invalid(field, value == null ? "is required" : "must be a UUID");
    }

    public void fail(String field, String reason) {
        errors.add(new FieldError(field, reason));
    }

    public boolean check(boolean ok, String field, String reason) {
        if (!ok) {
            fail(field, reason);
        }
        return ok;
    }

    private boolean present(String field, Object value, boolean required) {
        if (value == null) {
            if (required) {
                fail(field, "is required");
            }
            return false;
        }
        return true;
    }

    public String text(String field, String value, int min, int max, boolean required) {
        if (!present(field, value, required)) {
            return null;
        }
        String v = value.strip();
        if (v.isEmpty() && required) {
            fail(field, "must not be blank");
            return null;
        }
        if (v.length() < min || v.length() > max) {
            fail(field, "must be " + min + " to " + max + " characters");
            return null;
        }
        if (v.chars().anyMatch(c -> Character.isISOControl(c))) {
            fail(field, "must not contain control characters");
            return null;
        }
        return v;
    }

    /** A phone number in E.164 form; spaces, dots, dashes and parentheses are removed first. */
    public String phone(String field, String value, boolean required) {
        if (!present(field, value, required)) {
            return null;
        }
        String v = PHONE_SEPARATORS.matcher(value).replaceAll("");
        if (!PHONE.matcher(v).matches()) {
            fail(field, "must be an international number such as +919812345678");
            return null;
        }
        return v;
    }

    public String email(String field, String value, boolean required) {
        if (!present(field, value, required)) {
            return null;
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.length() > 254 || !EMAIL.matcher(v).matches()) {
            fail(field, "must be an email address");
            return null;
        }
        return v;
    }

    public Integer integer(String field, Integer value, int min, int max, boolean required) {
        if (!present(field, value, required)) {
            return null;
        }
        if (value < min || value > max) {
            fail(field, "must be between " + min + " and " + max);
            return null;
        }
        return value;
    }

    public Double number(String field, Double value, double min, double max, boolean required) {
        if (!present(field, value, required)) {
            return null;
        }
        if (!Double.isFinite(value) || value < min || value > max) {
            fail(field, "must be between " + min + " and " + max);
            return null;
        }
        return value;
    }

    public BigDecimal money(String field, BigDecimal value, BigDecimal max, boolean required) {
        if (!present(field, value, required)) {
            return null;
        }
        if (value.signum() < 0 || value.compareTo(max) > 0) {
            fail(field, "must be between 0 and " + max.toPlainString());
            return null;
        }
        if (value.stripTrailingZeros().scale() > 2) {
            fail(field, "must have at most 2 decimal places");
            return null;
        }
        return value.setScale(2, java.math.RoundingMode.UNNECESSARY);
    }

    public <E extends Enum<E>> E choice(String field, String value, List<E> allowed, boolean required) {
        if (!present(field, value, required)) {
            return null;
        }
        for (E e : allowed) {
            if (e.name().equalsIgnoreCase(value)) {
                return e;
            }
        }
        fail(field, "must be one of " + allowed.stream().map(e -> e.name().toLowerCase(Locale.ROOT)).toList());
        return null;
    }

    public boolean valid() {
        return errors.isEmpty();
    }

    /** Throws a 400 listing every error found so far, if any. */
    public void throwIfInvalid() {
        if (!errors.isEmpty()) {
            throw ApiException.invalid(errors);
        }
    }
}
