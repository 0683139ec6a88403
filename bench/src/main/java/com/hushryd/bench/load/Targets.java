package com.hushryd.bench.load;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The nodes a simulation may load. Only loopback targets (127.0.0.0/8, ::1, localhost) unless remote ones are
 * allowed explicitly: a load generator pointed at someone else's server by a typo is an attack. Host names other
 * than localhost are never resolved here, so a name that happens to resolve to loopback still needs the flag.
 */
public final class Targets {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    private Targets() {
    }

    /** A URL that may not be used, with the reason. */
    public static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    /** Parses each URL (http://host:port, no path) and checks it; the first bad one is refused. */
    public static List<URI> check(List<String> urls, boolean allowRemote) throws Refused {
        List<URI> out = new ArrayList<>();
        for (String u : urls) {
            URI uri;
            try {
                uri = new URI(u.trim());
            } catch (URISyntaxException e) {
                throw new Refused("not a URL: " + u);
            }
            if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
                throw new Refused("expected http://host:port, got " + u);
            }
            if (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/")
                    || uri.getQuery() != null || uri.getUserInfo() != null) {
                throw new Refused("expected http://host:port with no path, query or user, got " + u);
            }
            if (!allowRemote && !isLoopback(uri.getHost())) {
                throw new Refused(u + " is not a loopback address (127.0.0.0/8, ::1, localhost); the simulator "
                        + "loads other machines only with --allow-remote, and only machines you run");
            }
            out.add(uri);
        }
        return out;
    }

    /** The host of a URL as a socket address wants it: an IPv6 literal without its brackets. */
    public static String host(URI url) {
        String h = url.getHost();
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    /** True for localhost, an IPv4 literal in 127.0.0.0/8, or the IPv6 literal ::1 (bracketed or not). */
    public static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost") || h.equals("localhost.")) {
            return true;
        }
        var m = IPV4.matcher(h);
        if (m.matches()) {
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(m.group(i)) > 255) {
                    return false;
                }
            }
            return m.group(1).equals("127");
        }
        return h.equals("::1") || h.matches("(0{1,4}:){7}0{0,3}1");
    }
}
