package com.hushryd.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An embedded PostgreSQL that one test owns and may stop and start again (same data, same port): for outage tests,
 * never the machine's shared server.
 */
public final class OwnPostgres implements AutoCloseable {
    private final Path dir;
    private final int port;
    private EmbeddedPostgres pg;

    private OwnPostgres(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    public static OwnPostgres start() {
        try {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            OwnPostgres own = new OwnPostgres(Files.createTempDirectory("hushryd-own-pg"), port);
            own.up();
            return own;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** DATABASE_URL of its {@code postgres} database. */
    public String url() {
        return "postgresql://postgres@127.0.0.1:" + port + "/postgres";
    }

    /** Its data directory (a {@link TestReplica} copies it). */
    public Path dataDirectory() {
        return dir;
    }

    public int port() {
        return port;
    }

    /** Starts it again on the same data directory and port. */
    public synchronized void up() {
        try {
            pg = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).setPort(port)
                    .setRegisterShutdownHook(false).setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("fsync", "off").start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts it again unless it runs. */
    public synchronized void ensureUp() {
        if (pg == null) {
            up();
        }
    }

    /** Stops it (fast shutdown): from now on, connections are refused. */
    public synchronized void down() {
        if (pg != null) {
            try {
                pg.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            pg = null;
        }
    }

    @Override
    public void close() {
        down();
    }
}
