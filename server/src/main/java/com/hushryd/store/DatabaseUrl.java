package com.hushryd.store;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Where an external PostgreSQL is: a JDBC URL plus credentials. Accepts the seeds' form
 * {@code postgresql://user:pass@host:5432/db?sslmode=require} (also {@code postgres://}) and plain JDBC URLs.
 *
 * @param user     null when the JDBC URL carries its own credentials
 * @param password null when none is given
 */
public record DatabaseUrl(String jdbcUrl, String user, String password) {
    private static final String EXPECTED = "expected postgresql://user:pass@host:5432/db or jdbc:postgresql://host:5432/db";

    public static DatabaseUrl parse(String url) {
        String v = url.trim();
        if (v.startsWith("jdbc:postgresql://")) {
            return new DatabaseUrl(v, null, null);
        }
        String rest;
        if (v.startsWith("postgresql://")) {
            rest = v.substring("postgresql://".length());
        } else if (v.startsWith("postgres://")) {
            rest = v.substring("postgres://".length());
        } else {
            throw new IllegalArgumentException(EXPECTED);
        }
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String pathAndQuery = slash < 0 ? "/" : rest.substring(slash);
        String user = null;
        String password = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
        }
        if (authority.isEmpty() || authority.contains(" ")) {
            throw new IllegalArgumentException("missing host; " + EXPECTED);
        }
        String database = pathAndQuery.length() > 1 ? pathAndQuery : "/postgres";
        if (database.startsWith("/?")) {
            database = "/postgres" + database.substring(1);
        }
        return new DatabaseUrl("jdbc:postgresql://" + authority + database, emptyToNull(user), password);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad percent-encoding in credentials; " + EXPECTED);
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** The URL without any password, for logs. */
    public String redacted() {
        return jdbcUrl.replaceAll("(?i)(password=)[^&]*", "$1***") + (user == null ? "" : " (user " + user + ")");
    }

    @Override
    public String toString() {
        return redacted();
    }
}
