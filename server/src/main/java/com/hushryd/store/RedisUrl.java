package com.hushryd.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Where Redis is, from {@code redis://[[user]:pass@]host[:port][/db]} ({@code rediss://} for TLS).
 *
 * @param username null unless an ACL user is given
 * @param password null when none is given
 */
public record RedisUrl(String host, int port, String username, String password, int database, boolean tls) {
    private static final String EXPECTED = "expected redis://[:password@]host:port[/db]";

    public static RedisUrl parse(String url) {
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(EXPECTED);
        }
        boolean tls;
        if ("redis".equals(uri.getScheme())) {
            tls = false;
        } else if ("rediss".equals(uri.getScheme())) {
            tls = true;
        } else {
            throw new IllegalArgumentException(EXPECTED);
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("missing host; " + EXPECTED);
        }
        String username = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String info = uri.getRawUserInfo();
            int colon = info.indexOf(':');
            if (colon < 0) {
                password = decode(info);
            } else {
                username = colon == 0 ? null : decode(info.substring(0, colon));
                password = decode(info.substring(colon + 1));
            }
        }
        int database = 0;
        String path = uri.getPath();
        if (path != null && path.length() > 1) {
            try {
                database = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("database must be a number; " + EXPECTED);
            }
            if (database < 0 || database > 15) {
                throw new IllegalArgumentException("database must be between 0 and 15; " + EXPECTED);
            }
        }
        int port = uri.getPort() < 0 ? 6379 : uri.getPort();
        return new RedisUrl(uri.getHost(), port, username, password, database, tls);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** The URL as {@code redis://host:port/db} with any password masked. */
    public String redacted() {
        return (tls ? "rediss://" : "redis://") + (password == null ? "" : (username == null ? "" : username) + ":***@")
                + host + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return redacted();
    }
}
