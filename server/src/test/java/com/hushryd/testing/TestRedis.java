package com.hushryd.testing;

import com.hushryd.store.RedisUrl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.UUID;
import redis.embedded.RedisServer;

/**
 * A real Redis for tests: the server named by {@code HUSHRYD_TEST_REDIS_URL} (e.g. {@code redis://127.0.0.1:6379}),
 * else an embedded Redis (binary from Maven) started once per JVM. Tests share it and keep apart by key prefix
 * ({@link #prefix()}). A test that stops Redis must use its own {@link #dedicated()} server.
 */
public final class TestRedis {
    private static final String ENV = "HUSHRYD_TEST_REDIS_URL";
    private static String shared;

    private TestRedis() {
    }

    /** The shared Redis as a REDIS_URL. */
    public static synchronized String url() {
        if (shared == null) {
            String env = System.getenv(ENV);
            shared = env != null && !env.isBlank() ? env : dedicated().url();
        }
        return shared;
    }

    public static RedisUrl redisUrl() {
        return RedisUrl.parse(url());
    }

    /** The test Redis reached through a local port (a {@link TcpProxy} in front of it, to cut the connection). */
    public static RedisUrl through(int localPort) {
        RedisUrl direct = redisUrl();
        return new RedisUrl("127.0.0.1", localPort, direct.username(), direct.password(), direct.database(), false,
                false, java.util.List.of(new RedisUrl.Seed("127.0.0.1", localPort)));
    }

    /** A key prefix no other test uses. */
    public static String prefix() {
        return "t" + UUID.randomUUID().toString().substring(0, 8) + ":";
    }

    /** Deletes every key of the shared Redis that starts with {@code prefix} (a test cleaning up after itself). */
    public static void deleteKeys(String prefix) {
        io.lettuce.core.RedisClient client = com.hushryd.store.RedisConnector.client(redisUrl(), "test-cleanup");
        try (var c = client.connect()) {
            io.lettuce.core.ScanCursor cursor = io.lettuce.core.ScanCursor.INITIAL;
            do {
                io.lettuce.core.KeyScanCursor<String> page = c.sync().scan(cursor,
                        io.lettuce.core.ScanArgs.Builder.matches(prefix + "*").limit(500));
                if (!page.getKeys().isEmpty()) {
                    c.sync().del(page.getKeys().toArray(String[]::new));
                }
                cursor = page;
            } while (!cursor.isFinished());
        } finally {
            client.shutdown();
        }
    }

    /** Removes a test's queue from the node's queue registry ({@code hushryd:queues}) after deleting its keys. */
    public static void forgetQueue(String queue) {
        deleteKeys("hushryd:{" + queue + "}");
        io.lettuce.core.RedisClient client = com.hushryd.store.RedisConnector.client(redisUrl(), "test-cleanup");
        try (var c = client.connect()) {
            c.sync().srem("hushryd:queues", queue);
        } finally {
            client.shutdown();
        }
    }

    /** A Redis of the caller's own, which it may stop and start again on the same port. */
    public static Dedicated dedicated() {
        return new Dedicated(freePort());
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An embedded Redis on a fixed port; no persistence, so a restart comes back empty. */
    public static final class Dedicated implements AutoCloseable {
        private final int port;
        private RedisServer server;

        Dedicated(int port) {
            this.port = port;
            start();
        }

        public String url() {
            return "redis://127.0.0.1:" + port;
        }

        public int port() {
            return port;
        }

        public synchronized void start() {
            try {
                server = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
                        .setting("appendonly no").onShutdownForceStop(true).build();
                server.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start embedded Redis on port " + port, e);
            }
        }

        public synchronized void stop() {
            try {
                if (server != null) {
                    server.stop();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            stop();
        }
    }
}
