package com.hushryd.app;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks made before the slow part of a start (the embedded PostgreSQL, migrations, connections), so that a busy
 * port or an unusable DATA_DIR is reported in a second rather than after it. Each failure is a
 * {@link ConfigException} naming the setting to change.
 */
final class StartupChecks {
    private StartupChecks() {
    }

    /** Binds the port once and lets it go: what another process holds fails here (the listener may still race). */
    static void portIsFree(String host, int port) {
        if (port == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            // as the node's listener does, so that connections of a previous run in TIME_WAIT do not count
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, port));
        } catch (BindException e) {
            throw notListenable(host, port, e);
        } catch (IOException e) {
            throw new ConfigException("cannot listen on " + host + ":" + port + " (HOST / --host, PORT / --port): "
                    + e.getMessage());
        }
    }

    /** The message for a listener that could not bind, whether found here or by the listener itself. */
    static ConfigException notListenable(String host, int port, BindException e) {
        String why = String.valueOf(e.getMessage());
        if (why.contains("assign requested address")) {
            return new ConfigException("HOST " + host + " is not an address of this machine (HOST / --host)");
        }
        if (why.contains("ermission denied")) {
            return new ConfigException("port " + port + " needs privileges this process does not have "
                    + "(PORT / --port): use a port above 1023");
        }
        return new ConfigException("port " + port + " is in use by another process (PORT / --port)");
    }

    /** DATA_DIR exists (it is created if absent) and files can be written in it. */
    static void dataDirIsWritable(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.delete(Files.createTempFile(dir, ".write-check", ".tmp"));
        } catch (IOException | SecurityException e) {
            throw new ConfigException("DATA_DIR " + dir + " is not a writable directory (DATA_DIR / --data-dir): "
                    + reason(e));
        }
    }

    private static String reason(Exception e) {
        return e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null ? fse.getReason()
                : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
