package com.hushryd.ops;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's open files against its limit ({@code ulimit -n}): every socket is an open file, so the limit caps the
 * users a node (or a simulator) can hold. A node says at start-up how many sockets its limit leaves room for, and
 * warns (at most once a minute) when it is near the limit, before accepting connections starts to fail.
 */
public final class OpenFiles {
    /** Files a JVM and a node hold open besides client sockets (jars, database and Redis connections, logs). */
    public static final int OVERHEAD = 100;
    /** Connected users a node should have room for by default: decision 0058's 10,000-user city. */
    static final int CITY = 10_000;
    private static final Logger log = LoggerFactory.getLogger(OpenFiles.class);

    private long lastWarning;

    /** The limit of open files: soft, as {@code ulimit -n}; hard, as {@code ulimit -Hn}; -1 unlimited. */
    public record Limit(long soft, long hard) {
        /** From /proc/self/limits; unlimited where it cannot be read (not Linux). */
        public static Limit read() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                    if (line.startsWith("Max open files")) {
                        String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                        return new Limit(parse(f[0]), parse(f[1]));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // unknown: the run finds out
            }
            return new Limit(-1, -1);
        }

        private static long parse(String v) {
            return v.equals("unlimited") ? -1 : Long.parseLong(v);
        }
    }

    /** Files this process has open now, or -1 where the JVM cannot tell. */
    public static long open() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean u
                ? u.getOpenFileDescriptorCount() : -1;
    }

    /** The start-up line about the limit: a warning when it leaves room for fewer than {@link #CITY} sockets. */
    public static Optional<String> startupWarning(Limit limit) {
        if (limit.soft() < 0 || limit.soft() - OVERHEAD >= CITY) {
            return Optional.empty();
        }
        return Optional.of("open files: ulimit -n is " + limit.soft() + ", room for about "
                + Math.max(0, limit.soft() - OVERHEAD) + " sockets (one per connected user or HTTP connection); "
                + "for " + CITY + " users start the node after: ulimit -n " + (CITY + 2 * OVERHEAD)
                + (limit.hard() >= 0 && limit.hard() < CITY + 2 * OVERHEAD
                        ? " (the hard limit, ulimit -Hn, is " + limit.hard() + ": raise it as root)" : ""));
    }

    /** Logs the start-up line (warning or information). */
    public static void logAtStart() {
        Limit limit = Limit.read();
        startupWarning(limit).ifPresentOrElse(log::warn, () -> log.info("open files: {} of {} (ulimit -n)", open(),
                limit.soft() < 0 ? "unlimited" : limit.soft()));
    }

    /**
     * Warns when {@code open} files reach 90% of the soft limit (at most once a minute, {@code nowMillis} being the
     * caller's clock); returns whether it did.
     */
    public boolean warnIfNear(long open, Limit limit, long nowMillis) {
        if (limit.soft() < 0 || open < 0 || open * 10 < limit.soft() * 9 || nowMillis - lastWarning < 60_000) {
            return false;
        }
        lastWarning = nowMillis;
        log.warn("open files: {} of {} (ulimit -n): new connections will soon be refused by the operating system; "
                + "restart the node after raising the limit (ulimit -n), or add nodes", open, limit.soft());
        return true;
    }
}
