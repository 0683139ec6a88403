package com.hushryd.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.embedded.RedisServer;

/**
 * The servers a fault bench starts for itself and may therefore stop: an embedded PostgreSQL and Redis on loopback,
 * and node processes running the server jar on them. Shared by {@code outage} and {@code chaos}.
 */
final class OwnServers {
    private OwnServers() {
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts (or starts again, on the same data) a PostgreSQL listening on loopback only. */
    static EmbeddedPostgres startPostgres(Path dir, int port) throws IOException {
        return EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).setPort(port)
                .setRegisterShutdownHook(false).setServerConfig("listen_addresses", "127.0.0.1").start();
    }

    /** Starts a Redis without persistence on loopback; stopping it loses what it held, as a crash would. */
    static RedisServer startRedis(int port) throws IOException {
        RedisServer r = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
                .setting("appendonly no").onShutdownForceStop(true).build();
        r.start();
        return r;
    }

    static String newSecret() {
        return java.util.HexFormat.of().formatHex(java.security.SecureRandom.getSeed(32));
    }

    /**
     * Starts {@code java -jar jar serve} on loopback with the settings of a load run (cheap password hashing, rate
     * limits out of the way: every simulated user comes from one address), then {@code extra} on top.
     */
    static Process startNode(Path jar, String id, int port, Path dataDir, int pgPort, int redisPort, String secret,
            Path log, Map<String, String> extra) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("java", "-Xmx1g", "-XX:+UseParallelGC", "-jar", jar.toString(),
                "serve");
        Map<String, String> env = pb.environment();
        env.put("PORT", String.valueOf(port));
        env.put("HOST", "127.0.0.1");
        env.put("NODE_ID", id);
        env.put("DATA_DIR", dataDir.toString());
        env.put("DATABASE_URL", "postgresql://postgres@127.0.0.1:" + pgPort + "/postgres");
        env.put("REDIS_URL", "redis://127.0.0.1:" + redisPort);
        env.put("JWT_SECRET", secret);
        env.put("BCRYPT_COST", "4");
        env.put("LOG_LEVEL", "info");
        for (String limit : List.of("RATE_LIMIT_ANONYMOUS", "RATE_LIMIT_AUTHENTICATED", "RATE_LIMIT_CRITICAL")) {
            env.put(limit, "1000000/1m");
        }
        env.put("RATE_LIMIT_SOCKET_EVENTS", "1000000/1s");
        env.putAll(extra);
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return pb.start();
    }

    /** Waits up to two minutes for {@code /health/ready} to answer 200; false if the node exits or never does. */
    static boolean waitReady(URI url, Process node) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        HttpClient http = HttpClient.newHttpClient();
        while (System.nanoTime() < deadline && node.isAlive()) {
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(url.resolve("/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        return false;
    }

    /** The node's warnings and errors, one line per logger and message start, with how often each came. */
    static void printWarnings(String title, Path log) {
        try {
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (String l : Files.readAllLines(log)) {
                int level = Math.max(l.indexOf(" WARN "), l.indexOf(" ERROR "));
                if (level < 0) {
                    continue;
                }
                String rest = l.substring(level).replaceAll("\\[[^]]*\\]", "").replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "<id>")
                        .replaceAll("\\b[0-9a-f]{12,16}\\b", "<request>").replaceAll("[0-9]+", "N");
                counts.merge(rest.substring(0, Math.min(140, rest.length())), 1, Integer::sum);
            }
            System.err.println("# " + title + "'s warnings and errors, by kind:");
            counts.forEach((k, v) -> System.err.printf("  %5d x %s%n", v, k.trim()));
        } catch (IOException e) {
            // no log
        }
    }

    static void deleteTree(File f) {
        File[] children = f.listFiles();
        if (children != null) {
            for (File c : children) {
                deleteTree(c);
            }
        }
        f.delete();
    }
}
