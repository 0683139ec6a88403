package com.hushryd.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.store.DataDirLock;
import com.hushryd.testing.TestNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code ./hushryd serve} on a configuration that cannot work: one line naming the cause and the setting, no stack
 * trace, exit 2. The cases start at once (each is a JVM of its own), so the suite waits for the slowest only.
 */
class StartupFailureIT {

    private record Case(String name, Map<String, String> env, String expected) {
    }

    @Test
    void startsThatCannotWork_printOneLineNamingTheCause_andExit2() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"));
                ServerSocket closed = new ServerSocket(0)) {
            int closedPort = closed.getLocalPort();
            closed.close(); // nothing listens there now
            Path lockedDir = TestNode.tempDir();
            Path notADirectory = Files.createTempFile("hushryd-not-a-dir", ".txt");
            Map<String, Case> cases = new LinkedHashMap<>();
            add(cases, new Case("busy port", Map.of("PORT", Integer.toString(busy.getLocalPort()),
                    "DATA_DIR", TestNode.tempDir().toString()),
                    "port " + busy.getLocalPort() + " is in use by another process (PORT / --port)"));
            add(cases, new Case("DATA_DIR in use", Map.of("PORT", "0", "DATA_DIR", lockedDir.toString()),
                    "DATA_DIR " + lockedDir + " is in use by another HushRyd process (DATA_DIR / --data-dir)"));
            add(cases, new Case("DATA_DIR not writable", Map.of("PORT", "0",
                    "DATA_DIR", notADirectory.resolve("data").toString()),
                    "DATA_DIR " + notADirectory.resolve("data") + " is not a writable directory (DATA_DIR / "
                            + "--data-dir)"));
            add(cases, new Case("Redis unreachable", Map.of("PORT", "0", "DATA_DIR", TestNode.tempDir().toString(),
                    "REDIS_URL", "redis://127.0.0.1:" + closedPort),
                    "cannot reach Redis at redis://127.0.0.1:" + closedPort));
            add(cases, new Case("Redis Cluster unreachable", Map.of("PORT", "0",
                    "DATA_DIR", TestNode.tempDir().toString(),
                    "REDIS_URL", "redis-cluster://127.0.0.1:" + closedPort + ",127.0.0.1:" + closedPort),
                    "cannot reach Redis at redis-cluster://127.0.0.1:" + closedPort));
            add(cases, new Case("PostgreSQL unreachable", Map.of("PORT", "0", "DATA_DIR", TestNode.tempDir().toString(),
                    "DATABASE_URL", "postgresql://hushryd:secret@127.0.0.1:" + closedPort + "/hushryd"),
                    "(DATABASE_URL / --database-url)"));
            add(cases, new Case("bad setting", Map.of("PORT", "0", "DATA_DIR", TestNode.tempDir().toString(),
                    "JWT_TTL", "soon"), "JWT_TTL"));

            Map<String, Process> running = new LinkedHashMap<>();
            Map<String, Path> logs = new LinkedHashMap<>();
            try (DataDirLock held = DataDirLock.tryAcquire(lockedDir).orElseThrow()) {
                for (Case c : cases.values()) {
                    Path log = Files.createTempFile("hushryd-startup", ".log");
                    logs.put(c.name(), log);
                    running.put(c.name(), LauncherIT.launcher(log, c.env(), "serve").start());
                }
                for (Case c : cases.values()) {
                    Process p = running.get(c.name());
                    assertThat(p.waitFor(3, TimeUnit.MINUTES)).as(c.name() + " ends").isTrue();
                    String out = Files.readString(logs.get(c.name()));
                    assertThat(p.exitValue()).as(c.name() + ": exit code; output:\n" + out).isEqualTo(2);
                    assertThat(out).as(c.name()).contains("hushryd: ").contains(c.expected());
                    assertThat(out).as(c.name() + ": no stack trace").doesNotContainPattern("(?m)^\\s+at ")
                            .doesNotContain("Caused by");
                }
            } finally {
                running.values().forEach(Process::destroyForcibly);
            }
            assertThat(Files.readString(logs.get("busy port"))).as("the port is checked before the slow work")
                    .doesNotContain("embedded PostgreSQL");
        }
    }

    private static void add(Map<String, Case> cases, Case c) {
        cases.put(c.name(), c);
    }
}
