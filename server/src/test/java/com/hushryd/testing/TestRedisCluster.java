package com.hushryd.testing;

import com.hushryd.store.RedisUrl;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster for tests: the cluster named by {@code HUSHRYD_TEST_REDIS_CLUSTER} (a
 * {@code redis-cluster://host:port,...} URL), else 3 masters and 3 replicas of the machine's {@code redis-server}
 * (Redis 7, for sharded pub/sub; {@code REDIS_SERVER} names another binary) started once per JVM on free ports,
 * joined with {@code redis-cli --cluster create}, and stopped when the JVM exits. Tests share it and keep apart by
 * key prefix, as with {@link TestRedis}. A test that kills a node must use its own {@link #dedicated()} cluster.
 */
public final class TestRedisCluster {
    private static final String ENV = "HUSHRYD_TEST_REDIS_CLUSTER";
    private static String shared;

    private TestRedisCluster() {
    }

    /** The shared cluster as a REDIS_URL. */
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

    /** A cluster of the caller's own (3 masters, 3 replicas), which it may fail over and kill nodes of. */
    public static Dedicated dedicated() {
        return new Dedicated();
    }

    /**
     * One Redis 7 of the machine's {@code redis-server}, not a cluster (the embedded one is 6.2): for what differs on
     * Redis 7 (sharded pub/sub). Stopped when the JVM exits or by {@link Process#destroy()}.
     */
    public static Process standalone(int port) {
        try {
            Path dir = Files.createTempDirectory("hushryd-redis7");
            Process p = new ProcessBuilder(binary("redis-server"), "--port", Integer.toString(port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    if (Dedicated.run(List.of(binary("redis-cli"), "-p", Integer.toString(port), "PING"))
                            .contains("PONG")) {
                        return p;
                    }
                } catch (IllegalStateException e) {
                    // not up yet
                }
                Thread.sleep(50);
            }
            p.destroyForcibly();
            throw new IllegalStateException("redis-server on port " + port + " did not start");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String binary(String name) {
        String env = System.getenv("REDIS_SERVER");
        if (env != null && !env.isBlank()) {
            return name.equals("redis-server") ? env : new File(new File(env).getParentFile(), name).getPath();
        }
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/usr/sbin")) {
            File f = new File(dir, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        throw new IllegalStateException(name + " not found: install redis-server 7 (apt-get install redis-server) "
                + "or set " + ENV + " to a running Redis Cluster");
    }

    /** Six local Redis processes in cluster mode. */
    public static final class Dedicated implements AutoCloseable {
        private final List<Integer> ports = new ArrayList<>();
        private final List<Process> processes = new ArrayList<>();
        private final Path dir;

        Dedicated() {
            try {
                dir = Files.createTempDirectory("hushryd-redis-cluster");
                for (int i = 0; i < 6; i++) {
                    ports.add(TestRedis.freePort());
                    processes.add(start(i));
                }
                Runtime.getRuntime().addShutdownHook(new Thread(this::close));
                for (int port : ports) {
                    waitFor(port, "PING", "PONG");
                }
                List<String> create = new ArrayList<>(List.of(binary("redis-cli"), "--cluster", "create"));
                ports.forEach(p -> create.add("127.0.0.1:" + p));
                create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
                run(create);
                for (int port : ports) {
                    waitFor(port, "CLUSTER INFO", "cluster_state:ok");
                }
                // every replica attached and synced, so a failover has someone to promote
                for (int port : ports) {
                    waitFor(port, "CLUSTER NODES", null);
                }
                // a replica still in its first sync would make every write that waits for one (WAIT 1) time out
                for (int port : ports) {
                    if (cli(port, "ROLE").startsWith("slave")) {
                        waitFor(port, "INFO replication", "master_link_status:up");
                    }
                }
            } catch (IOException e) {
                close();
                throw new UncheckedIOException("cannot start a test Redis Cluster", e);
            }
        }

        private Process start(int i) throws IOException {
            int port = ports.get(i);
            Path nodeDir = Files.createDirectories(dir.resolve(Integer.toString(port)));
            ProcessBuilder b = new ProcessBuilder(binary("redis-server"), "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "1000", "--cluster-replica-validity-factor", "0", "--save", "",
                    "--appendonly", "no",
                    "--dir", nodeDir.toString(), "--protected-mode", "no");
            // validity factor 0: a replica always stands for election, however long a loaded test machine kept it
            // from hearing its master
            b.redirectErrorStream(true).redirectOutput(nodeDir.resolve("redis.log").toFile());
            return b.start();
        }

        public String url() {
            return "redis-cluster://" + ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
        }

        public RedisUrl redisUrl() {
            return RedisUrl.parse(url());
        }

        public List<Integer> ports() {
            return List.copyOf(ports);
        }

        /** Runs {@code redis-cli -p port args...} and returns what it printed. */
        public String cli(int port, String... args) {
            List<String> cmd = new ArrayList<>(List.of(binary("redis-cli"), "-p", Integer.toString(port)));
            cmd.addAll(List.of(args));
            return run(cmd);
        }

        /** Kills one node's process ({@code kill -9}). */
        public void kill(int port) {
            Process p = processes.get(ports.indexOf(port));
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** The ports of the masters now, as the cluster says. */
        public List<Integer> masters() {
            return nodes("master");
        }

        public List<Integer> replicas() {
            return nodes("slave");
        }

        private List<Integer> nodes(String role) {
            List<Integer> out = new ArrayList<>();
            for (int port : ports) {
                if (!processes.get(ports.indexOf(port)).isAlive()) {
                    continue;
                }
                String info = cli(port, "ROLE");
                if (info.startsWith(role)) {
                    out.add(port);
                }
            }
            return out;
        }

        private void waitFor(int port, String command, String expected) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    String out = cli(port, command.split(" "));
                    if (expected == null ? !out.contains("handshake") && !out.contains("noaddr")
                            : out.contains(expected)) {
                        return;
                    }
                } catch (IllegalStateException e) {
                    // not up yet
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            throw new IllegalStateException("Redis on port " + port + " did not answer " + command + " with "
                    + expected + " within 30 s");
        }

        private static String run(List<String> cmd) {
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
                }
                return out;
            } catch (IOException e) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            for (Process p : processes) {
                p.destroyForcibly();
            }
            for (Process p : processes) {
                try {
                    p.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (dir != null) {
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                } catch (IOException e) {
                    // a temporary directory: left to the OS
                }
            }
        }
    }
}
