package com.hushryd.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Where Redis is, from {@code redis://[[user]:pass@]host[:port][/db]} ({@code rediss://} for TLS), or a Redis
 * Cluster from {@code redis-cluster://[[user]:pass@]host1:port1,host2:port2,...} ({@code rediss-cluster://} for TLS):
 * the seed nodes the cluster's topology is discovered from (any reachable one is enough; a cluster has only
 * database 0).
 *
 * @param host     the first seed
 * @param username null unless an ACL user is given
 * @param password null when none is given
 * @param seeds    every node named (one unless a cluster)
 */
public record RedisUrl(String host, int port, String username, String password, int database, boolean tls,
        boolean cluster, List<Seed> seeds) {
    private static final String EXPECTED = "expected redis://[:password@]host:port[/db] or "
            + "redis-cluster://[:password@]host1:port1,host2:port2,...";

    /** One node of the URL. */
    public record Seed(String host, int port) {
    }

    public RedisUrl {
        seeds = List.copyOf(seeds);
    }

    public static RedisUrl parse(String url) {
        String trimmed = url.trim();
        if (trimmed.startsWith("redis-cluster://") || trimmed.startsWith("rediss-cluster://")) {
            return parseCluster(trimmed);
        }
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
        return new RedisUrl(uri.getHost(), port, username, password, database, tls, false,
                List.of(new Seed(uri.getHost(), port)));
    }

    private static RedisUrl parseCluster(String url) {
        boolean tls = url.startsWith("rediss-");
        String rest = url.substring(url.indexOf("://") + 3);
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            String path = rest.substring(slash + 1);
            if (!path.isEmpty() && !path.equals("0")) {
                throw new IllegalArgumentException("a Redis Cluster has only database 0; " + EXPECTED);
            }
            rest = rest.substring(0, slash);
        }
        String username = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String info = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = info.indexOf(':');
            if (colon < 0) {
                password = decode(info);
            } else {
                username = colon == 0 ? null : decode(info.substring(0, colon));
                password = decode(info.substring(colon + 1));
            }
        }
        List<Seed> seeds = new ArrayList<>();
        for (String part : rest.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int colon = p.lastIndexOf(':');
            String host = colon < 0 ? p : p.substring(0, colon);
            int port = 6379;
            if (colon >= 0) {
                try {
                    port = Integer.parseInt(p.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("port must be a number in '" + p + "'; " + EXPECTED);
                }
            }
            if (host.isEmpty() || port <= 0 || port > 65535) {
                throw new IllegalArgumentException("bad node '" + p + "'; " + EXPECTED);
            }
            seeds.add(new Seed(host, port));
        }
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("no node given; " + EXPECTED);
        }
        return new RedisUrl(seeds.get(0).host(), seeds.get(0).port(), username, password, 0, tls, true, seeds);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** The URL as {@code redis://host:port/db} (or the cluster's seeds) with any password masked. */
    public String redacted() {
        if (cluster) {
            StringBuilder b = new StringBuilder(tls ? "rediss-cluster://" : "redis-cluster://");
            if (password != null) {
                b.append(username == null ? "" : username).append(":***@");
            }
            for (int i = 0; i < seeds.size(); i++) {
                b.append(i == 0 ? "" : ",").append(seeds.get(i).host()).append(':').append(seeds.get(i).port());
            }
            return b.toString();
        }
        return (tls ? "rediss://" : "redis://") + (password == null ? "" : (username == null ? "" : username) + ":***@")
                + host + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return redacted();
    }
}
