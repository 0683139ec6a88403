package com.hushryd.app;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.testing.ApiClient;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The README's run command: {@code ./hushryd serve} with no configuration at all, as an operator runs it. */
class LauncherIT {
    private static final Path ROOT = Path.of(System.getProperty("hushryd.repo.root", "..")).toAbsolutePath().normalize();

    static ProcessBuilder launcher(Path log, Map<String, String> env, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(ROOT.resolve("hushryd").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        for (Setting s : Setting.values()) {
            pb.environment().remove(s.env());
        }
        pb.environment().putAll(env);
        return pb;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Process serve(Path dataDir, int port, Path log) throws IOException {
        Process p = launcher(log, Map.of("DATA_DIR", dataDir.toString(), "PORT", Integer.toString(port)), "serve").start();
        ApiClient api = new ApiClient("http://127.0.0.1:" + port);
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .failFast("node exited: " + log, () -> !p.isAlive())
                .until(() -> api.get("/health/ready", null).status() == 200);
        return p;
    }

    @Test
    void serveWithNoConfiguration_survivesKill9_andStopsCleanlyOnSigterm() throws Exception {
        Path dataDir = TestNode.tempDir();
        Path log = Files.createTempFile("hushryd-launcher", ".log");
        int port = freePort();
        ApiClient api = new ApiClient("http://127.0.0.1:" + port);

        Process first = serve(dataDir, port, log);
        HttpResult reg = api.post("/api/v1/auth/register", null, map("phone", "+919811111111", "name", "Kay",
                "password", "password-123", "role", "passenger"));
        assertThat(reg.status()).isEqualTo(201);
        TestNode.Account driver = TestNode.register(api, "driver");
        String trip = TestNode.createTrip(api, driver, "Bhopal", "Indore", 1, 4, 220);
        HttpResult booked = api.post("/api/v1/trips/" + trip + "/bookings", reg.str("accessToken"), map("seats", 3));
        assertThat(booked.status()).as(booked.text()).isEqualTo(201);
        first.destroyForcibly(); // SIGKILL
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).as("killed by SIGKILL").isEqualTo(137);

        Process second = serve(dataDir, port, log);
        HttpResult login = api.post("/api/v1/auth/login", null, map("phone", "+919811111111", "password", "password-123"));
        assertThat(login.status()).as("the account survived kill -9").isEqualTo(200);
        assertThat(Files.readString(log)).contains("left running").contains("by a node that did not shut down cleanly");
        HttpResult bookings = api.get("/api/v1/bookings", login.str("accessToken"));
        assertThat(bookings.json().path("items")).as("the booking survived kill -9").singleElement().satisfies(b -> {
            assertThat(b.path("id").asText()).isEqualTo(booked.str("id"));
            assertThat(b.path("seats").asInt()).isEqualTo(3);
        });
        assertThat(api.get("/api/v1/trips/" + trip, driver.token()).json().path("seatsAvailable").asInt())
                .as("the trip survived kill -9 with its seats taken").isEqualTo(1);

        second.destroy();
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).as("a graceful stop on SIGTERM exits 0").isZero();
        assertThat(Files.readString(log)).contains("shutting down: draining in-flight requests").contains("stopped");
        assertThat(dataDir.resolve("postgres").resolve("postmaster.pid")).as("embedded PostgreSQL stopped").doesNotExist();
    }

    @Test
    void badSetting_stopsTheStartNamingTheVariable() throws Exception {
        Path log = Files.createTempFile("hushryd-launcher", ".log");
        Process p = launcher(log, Map.of("PORT", "eighty", "DATA_DIR", TestNode.tempDir().toString()), "serve").start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(Files.readString(log)).contains("invalid configuration: PORT: expected a whole number, got 'eighty'");
    }

    @Test
    void help_listsCommandsAndOptions() throws Exception {
        Path log = Files.createTempFile("hushryd-launcher", ".log");
        Process p = launcher(log, Map.of(), "serve", "--help").start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        String help = Files.readString(log).replaceAll("\\s+", " ");
        for (Setting s : Setting.values()) {
            assertThat(help).contains(s.flag());
        }
    }
}
