package com.hushryd.protect.ratelimit;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A quota: at most {@code requests} per {@code window}, allowed as a burst and refilled evenly (GCRA: one request
 * every {@code window / requests}, rounded up to whole microseconds).
 *
 * @param name the policy name shown in the {@code RateLimit} headers
 */
public record Limit(String name, int requests, Duration window) {
    private static final Pattern SPEC = Pattern.compile("(\\d+)\\s*/\\s*(\\d*)\\s*(ms|s|m|h)");

    public Limit {
        if (requests < 1 || window.toMillis() < 1) {
            throw new IllegalArgumentException("a limit needs at least one request per millisecond-long window");
        }
    }

    /** Parses {@code 100/1m}, {@code 20/m}, {@code 5/10s}. */
    public static Limit parse(String name, String spec) {
        Matcher m = SPEC.matcher(spec.trim().toLowerCase(java.util.Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("expected requests/window such as 100/1m or 5/10s, got '" + spec + "'");
        }
        long n = m.group(2).isEmpty() ? 1 : Long.parseLong(m.group(2));
        Duration window = switch (m.group(3)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofMinutes(n);
        };
        int requests;
        try {
            requests = Integer.parseInt(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("too many requests in '" + spec + "'");
        }
        if (requests < 1 || window.isZero() || window.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("expected at least 1 request per window of at most a day, got '"
                    + spec + "'");
        }
        return new Limit(name, requests, window);
    }

    /** Microseconds between two requests at the sustained rate (rounded up; at least 1). */
    public long intervalMicros() {
        long window = windowMicros();
        return Math.max(1, (window + requests - 1) / requests);
    }

    public long windowMicros() {
        return window.toNanos() / 1_000;
    }

    /** The {@code RateLimit-Policy} item: {@code "name";q=100;w=60}. */
    public String policyHeader() {
        return "\"" + name + "\";q=" + requests + ";w=" + Math.max(1, window.toSeconds());
    }

    @Override
    public String toString() {
        return requests + "/" + window.toSeconds() + "s";
    }
}
