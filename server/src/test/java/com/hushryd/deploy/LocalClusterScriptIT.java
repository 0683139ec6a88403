package com.hushryd.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hushryd.testing.ApiClient;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestPostgres;
import com.hushryd.testing.TestRedis;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * deploy/local-cluster.sh as a user runs it: up, status, a request through its nginx, down; and its refusals. The
 * cluster runs on the test PostgreSQL and a Redis of its own (given as DATABASE_URL / REDIS_URL, which the script
 * uses as they are); the script's own PostgreSQL and Redis need Debian's server packages.
 */
class LocalClusterScriptIT {
    private static final Path ROOT = Path.of(System.getProperty("hushryd.repo.root", "..")).toAbsolutePath()
            .normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    record Run(int exit, String out, String err) {
    }

    private static Run run(Map<String, String> env, String... args) throws Exception {
        Path out = Files.createTempFile("local-cluster", ".out");
        Path err = Files.createTempFile("local-cluster", ".err");
        List<String> cmd = new ArrayList<>(List.of("bash", ROOT.resolve("deploy/local-cluster.sh").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.equals("DATABASE_URL") || k.equals("REDIS_URL")
                || k.equals("JWT_SECRET"));
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("local-cluster.sh " + String.join(" ", args) + " did not end");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /**
     * A port p such that p..p+count-1 can be bound on loopback, below the kernel's ephemeral range (32768 and up on
     * Linux): a port picked there can be taken meanwhile by any outgoing connection of the suite, and the script's
     * node then fails with "port in use" (seen once in the full suite).
     */
    private static int freePorts(int count) {
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = 20_000 + random.nextInt(12_000 - count);
            boolean free = true;
            for (int p = base; p < base + count && free; p++) {
                free = bindable(p);
            }
            if (free) {
                return base;
            }
        }
        throw new IllegalStateException("no " + count + " consecutive free ports between 20000 and 32000");
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void upTwoNodes_statusJson_requestThroughNginx_downLeavesNoProcess() throws Exception {
        try (TestRedis.Dedicated redis = TestRedis.dedicated()) {
            Path state = Files.createTempDirectory("local-cluster-state").resolve("cluster");
            int port = freePorts(3);
            Map<String, String> env = new HashMap<>(Map.of("LOCAL_CLUSTER_DIR", state.toString(),
                    "DATABASE_URL", TestPostgres.get().newDatabase(), "REDIS_URL", redis.url(),
                    "BCRYPT_COST", "4", "JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx384m",
                    "EVENT_LOOPS", "2", "DB_POOL_MAX", "10"));
            List<Long> pids = new ArrayList<>();
            try {
                Run up = run(env, "up", "--nodes", "2", "--port", String.valueOf(port));
                assertThat(up.exit()).as(up.err()).isZero();
                assertThat(up.err()).contains("node2 ready on 127.0.0.1:" + (port + 2));

                Run status = run(env, "status");
                assertThat(status.exit()).as(status.err()).isZero();
                JsonNode s = JSON.readTree(status.out());
                assertThat(s.path("nginx").path("ready").asBoolean()).as(status.out()).isTrue();
                assertThat(s.path("nodes")).hasSize(2);
                for (JsonNode node : s.path("nodes")) {
                    assertThat(node.path("alive").asBoolean()).as(status.out()).isTrue();
                    assertThat(node.path("ready").asBoolean()).as(status.out()).isTrue();
                    pids.add(node.path("pid").asLong());
                }
                pids.add(s.path("nginx").path("pid").asLong());
                assertThat(s.path("nodes").get(1).path("port").asInt()).isEqualTo(port + 2);

                // through nginx; no JWT_SECRET given: node 2 accepts what either node signed
                ApiClient viaNginx = new ApiClient("http://127.0.0.1:" + port);
                Account user = TestNode.register(viaNginx, "passenger");
                ApiClient node2 = new ApiClient("http://127.0.0.1:" + (port + 2));
                assertThat(node2.get("/api/v1/me", user.token()).status()).isEqualTo(200);
                assertThat(viaNginx.get("/api/v1/me", user.token()).status()).isEqualTo(200);

                // a node killed: status says so, nginx serves from the other, start-node brings it back
                ProcessHandle node1 = ProcessHandle.of(pids.get(0)).orElseThrow();
                node1.destroyForcibly();
                node1.onExit().get(1, TimeUnit.MINUTES);
                JsonNode afterKill = JSON.readTree(run(env, "status").out());
                assertThat(afterKill.path("nodes").get(0).path("alive").asBoolean()).isFalse();
                assertThat(afterKill.path("nodes").get(0).path("ready").asBoolean()).isFalse();
                assertThat(viaNginx.get("/api/v1/me", user.token()).status()).isEqualTo(200);
                Run restarted = run(env, "start-node", "1");
                assertThat(restarted.exit()).as(restarted.err()).isZero();
                JsonNode back = JSON.readTree(run(env, "status").out()).path("nodes").get(0);
                assertThat(back.path("ready").asBoolean()).isTrue();
                pids.add(back.path("pid").asLong());
            } finally {
                Run down = run(env, "down");
                assertThat(down.exit()).as(down.err()).isZero();
            }
            for (long pid : pids) {
                // an exited process stays listed until its parent (init, for these detached ones) reaps it
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                        ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid %d", pid).isFalse());
            }
            assertThat(state).doesNotExist();
            assertThat(accepts(port)).isFalse();
            assertThat(run(env, "status").out()).contains("\"up\":false");
        }
    }

    @Test
    void badInput_isRefusedWithExitTwo_namingTheProblem_andStartsNothing() throws Exception {
        Path state = Files.createTempDirectory("local-cluster-state").resolve("cluster");
        Map<String, String> env = Map.of("LOCAL_CLUSTER_DIR", state.toString(),
                "DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none", "REDIS_URL", "redis://127.0.0.1:1");
        Run zero = run(env, "up", "--nodes", "0");
        assertThat(zero.exit()).isEqualTo(2);
        assertThat(zero.err()).contains("--nodes: expected a whole number from 1 to 20, got '0'");

        Run unknown = run(env, "up", "--nodes", "2", "--colour", "blue");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown option for up: '--colour'");

        assertThat(run(env, "frobnicate").exit()).isEqualTo(2);
        assertThat(run(env, "up").err()).contains("up needs --nodes N");

        try (ServerSocket busy = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            int port = busy.getLocalPort();
            Run taken = run(env, "up", "--nodes", "1", "--port", String.valueOf(port));
            assertThat(taken.exit()).as(taken.err()).isEqualTo(2);
            assertThat(taken.err()).contains("port " + port + " is in use");
        }
        assertThat(state).as("nothing was started").doesNotExist();

        Run status = run(env, "status");
        assertThat(status.exit()).isEqualTo(1);
        assertThat(JSON.readTree(status.out()).path("up").asBoolean(true)).isFalse();
        assertThat(run(env, "start-node", "1").err()).contains("no cluster is up");

        Map<String, String> noNginx = new HashMap<>(env);
        noNginx.put("NGINX", "/nonexistent/nginx");
        Run missing = run(noNginx, "up", "--nodes", "1");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("nginx not found at /nonexistent/nginx: apt-get install -y nginx");
        assertThat(state).as("nothing was started").doesNotExist();
    }
}
