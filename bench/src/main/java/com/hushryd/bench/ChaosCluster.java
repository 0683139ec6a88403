package com.hushryd.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import redis.embedded.RedisServer;

/**
 * A cluster that a chaos run owns from top to bottom, on loopback: one PostgreSQL, one Redis, {@code n} node
 * processes on them, and nginx in front. Everything here was started by this run, so it may be killed, stopped and
 * started again; {@link #close} stops what is still running.
 */
final class ChaosCluster implements AutoCloseable {
    /** One node process: its identity and port stay the same across restarts, its process changes. */
    static final class Node {
        final String id;
        final int port;
        final Path dataDir;
        final Path log;
        Process process;
        int restarts;

        Node(String id, int port, Path dataDir, Path log) {
            this.id = id;
            this.port = port;
            this.dataDir = dataDir;
            this.log = log;
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + port);
        }
    }

    private final Path work;
    private final Path jar;
    private final Path root;
    private final Map<String, String> nodeSettings;
    private final String secret = OwnServers.newSecret();
    final int pgPort;
    final int redisPort;
    final int nginxPort;
    final List<Node> nodes = new ArrayList<>();
    private EmbeddedPostgres pg;
    private RedisServer redis;
    private Nginx nginx;

    /**
     * {@code basePort} 0: free ephemeral ports; otherwise nginx on it, the nodes on the next {@code n}, then
     * PostgreSQL and Redis.
     */
    ChaosCluster(Path root, Path work, Path jar, int n, int basePort, Map<String, String> nodeSettings)
            throws IOException {
        this.root = root;
        this.work = work;
        this.jar = jar;
        this.nodeSettings = nodeSettings;
        nginxPort = basePort == 0 ? OwnServers.freePort() : basePort;
        for (int i = 1; i <= n; i++) {
            int port = basePort == 0 ? OwnServers.freePort() : basePort + i;
            nodes.add(new Node("chaos-" + i, port, work.resolve("data-" + i), work.resolve("node-" + i + ".log")));
        }
        pgPort = basePort == 0 ? OwnServers.freePort() : basePort + n + 1;
        redisPort = basePort == 0 ? OwnServers.freePort() : basePort + n + 2;
    }

    /** Starts PostgreSQL, Redis, every node (waiting until each is ready) and nginx. */
    void start() throws IOException, InterruptedException {
        pg = OwnServers.startPostgres(work.resolve("pg"), pgPort);
        redis = OwnServers.startRedis(redisPort);
        // together: Flyway's lock in PostgreSQL lets one node migrate while the others wait
        for (Node node : nodes) {
            startNode(node);
        }
        for (Node node : nodes) {
            if (!OwnServers.waitReady(node.url(), node.process)) {
                // on a saturated machine a node can miss its own start-up timeouts (Redis's 2 s handshake was seen
                // to): start it once more, as a supervisor would, and say so
                System.err.println("# " + node.id + " did not start; starting it once more. Its log ends:\n"
                        + tail(node.log, 5));
                node.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                startNode(node);
                awaitReady(node);
            }
        }
        nginx = Nginx.start(root, work.resolve("nginx"), nginxPort, nodes.stream().map(x -> x.port).toList());
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + nginxPort);
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres";
    }

    /** Node i is {@code chaos-i} with route {@code ni}, as {@code deploy/local-cluster.sh render} names them. */
    private void startNode(Node node) throws IOException {
        Map<String, String> settings = new java.util.HashMap<>(nodeSettings);
        settings.put("NODE_ROUTE", "n" + (nodes.indexOf(node) + 1));
        settings.put("TRUSTED_PROXIES", "127.0.0.1/32");
        node.process = OwnServers.startNode(jar, node.id, node.port, node.dataDir, pgPort, redisPort, secret,
                node.log, settings);
    }

    void awaitReady(Node node) throws IOException, InterruptedException {
        if (!OwnServers.waitReady(node.url(), node.process)) {
            throw new IOException(node.id + " did not become ready; its log is " + node.log + ":\n"
                    + tail(node.log, 30));
        }
    }

    /** {@code kill -9}: the node gets no chance to finish anything. */
    void kill(Node node) throws InterruptedException {
        node.process.destroyForcibly();
        node.process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then waits for the node to exit (drained); returns its exit status, or -1 if it had to be killed. */
    int terminate(Node node, long timeoutSeconds) throws InterruptedException {
        node.process.destroy();
        return awaitExit(node, timeoutSeconds);
    }

    /**
     * A rolling restart's step, as {@code deploy/local-cluster.sh stop-node} takes it: SIGTERM (the node answers
     * {@code /health/ready} 503 for SHUTDOWN_READY_GRACE and keeps serving), then GETs to nginx's drain probe, where a
     * 503 counts as a failure, so that nginx leaves the node before it stops accepting (decision 0047). Returns the
     * exit status, or -1 if the node had to be killed.
     */
    int drain(Node node, long timeoutSeconds) throws InterruptedException {
        node.process.destroy();
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + nginxPort + "/.hushryd/drain-probe"))
                .timeout(Duration.ofSeconds(2)).build();
        for (int i = 0; i < 4 * nodes.size() + 4; i++) {
            try {
                http.send(probe, HttpResponse.BodyHandlers.discarding());
            } catch (IOException e) {
                // the probe's answers do not matter, only that nginx counted them
            }
        }
        return awaitExit(node, timeoutSeconds);
    }

    private int awaitExit(Node node, long timeoutSeconds) throws InterruptedException {
        if (!node.process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            node.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            return -1;
        }
        return node.process.exitValue();
    }

    /** Starts a stopped node again on its port and data, and waits until it is ready. */
    void restart(Node node) throws IOException, InterruptedException {
        node.restarts++;
        startNode(node);
        awaitReady(node);
    }

    void stopRedis() throws IOException {
        redis.stop();
    }

    void startRedis() throws IOException {
        redis = OwnServers.startRedis(redisPort);
    }

    void stopPostgres() throws IOException {
        pg.close();
    }

    void startPostgres() throws IOException {
        pg = OwnServers.startPostgres(work.resolve("pg"), pgPort);
    }

    @Override
    public void close() {
        if (nginx != null) {
            nginx.close();
        }
        for (Node node : nodes) {
            if (node.process != null && node.process.isAlive()) {
                try {
                    terminate(node, 30);
                } catch (InterruptedException e) {
                    node.process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
        try {
            if (redis != null) {
                redis.stop();
            }
        } catch (IOException | RuntimeException e) {
            // already stopped
        }
        try {
            if (pg != null) {
                pg.close();
            }
        } catch (IOException e) {
            // already stopped
        }
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
