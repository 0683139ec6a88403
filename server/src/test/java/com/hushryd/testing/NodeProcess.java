package com.hushryd.testing;

import static org.awaitility.Awaitility.await;

import com.hushryd.app.Setting;
import com.hushryd.testing.TestNode.Account;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node running as a JVM process of its own ({@code java -cp <test classpath> com.hushryd.app.Main serve}), so that
 * a test can {@code kill -9} it for real: no shutdown hook, no flush, no graceful drain. Configured like
 * {@link TestNode} (same defaults, same variables an operator sets); it learns its port from the node's "ready on"
 * log line. Always {@link #close()} it (try-with-resources or {@code @AfterEach}): close kills the process and any
 * process it started (the embedded PostgreSQL) if they are still running.
 */
public final class NodeProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("HushRyd node \\S+ ready on http://[^:]+:(\\d+) ");
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    private final String name;
    private final Map<String, String> settings;
    private final Path log;
    private final Process process;
    private final List<ProcessHandle> started = new ArrayList<>();
    private final int port;
    private final ApiClient client;

    private NodeProcess(String name, Map<String, String> settings, Path log, Process process, int port) {
        this.name = name;
        this.settings = settings;
        this.log = log;
        this.process = process;
        this.port = port;
        this.client = new ApiClient("http://127.0.0.1:" + port);
    }

    /**
     * Starts a node process named {@code name} with {@link TestNode#settings(Map) the test defaults} and these
     * overrides (e.g. a shared {@code DATABASE_URL}); returns when it is ready.
     */
    public static NodeProcess start(String name, Map<String, String> overrides) {
        Map<String, String> env = TestNode.settings(overrides);
        env.putIfAbsent("NODE_ID", name);
        // two event loops and a small pool: several of these share a 2-core machine with the test JVM
        env.putIfAbsent("EVENT_LOOPS", "2");
        env.putIfAbsent("DB_POOL_MAX", "10");
        return restart(name, env);
    }

    /** Starts a node process with exactly these settings (e.g. those of a node that was killed). */
    public static NodeProcess restart(String name, Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(settings);
        // the port is read from the "ready on" line, logged at info (a log file per process: useful when a test fails)
        if (!"debug".equals(env.get("LOG_LEVEL")) && !"trace".equals(env.get("LOG_LEVEL"))) {
            env.put("LOG_LEVEL", "info");
        }
        env.put("LOG_FORMAT", "text");
        Path log;
        try {
            log = Files.createTempFile("hushryd-" + name + "-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // start fast and stay small: the C1 compiler only, a serial collector, a bounded heap
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx384m", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), "com.hushryd.app.Main", "serve"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        for (Setting s : Setting.values()) {
            pb.environment().remove(s.env());
        }
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node process " + name, e);
        }
        int[] port = new int[1];
        try {
            await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(100))
                    .failFast("node process " + name + " exited before it was ready; its log: " + log,
                            () -> !p.isAlive())
                    .until(() -> {
                        Matcher m = READY.matcher(Files.readString(log, StandardCharsets.UTF_8));
                        if (m.find()) {
                            port[0] = Integer.parseInt(m.group(1));
                            return true;
                        }
                        return false;
                    });
        } catch (RuntimeException | Error e) {
            destroyTree(p.toHandle());
            throw new IllegalStateException("node process " + name + " did not start:\n" + tail(log), e);
        }
        return new NodeProcess(name, Map.copyOf(env), log, p, port[0]);
    }

    public ApiClient api() {
        return client;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public String name() {
        return name;
    }

    /** The environment the node was started with (DATABASE_URL, DATA_DIR, ...), to restart it as it was. */
    public Map<String, String> settings() {
        return settings;
    }

    public String database() {
        return settings.get("DATABASE_URL");
    }

    public Path log() {
        return log;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** {@code kill -9}: SIGKILL to the node's JVM, and waits until it is gone. What it started keeps running. */
    public void kill9() {
        started.addAll(process.descendants().toList());
        embeddedPostgres().ifPresent(started::add);
        process.destroyForcibly(); // SIGKILL on Linux and macOS
        waitForExit();
        if (process.exitValue() != 137) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + ", not by SIGKILL");
        }
    }

    /**
     * {@code kill -9} of the node and of the embedded PostgreSQL it runs on its DATA_DIR, as when the container or
     * machine dies: PostgreSQL must recover from its WAL on the next start.
     */
    public void kill9WithPostgres() {
        java.util.Optional<ProcessHandle> pg = embeddedPostgres();
        if (pg.isEmpty()) {
            throw new IllegalStateException(name + " runs no embedded PostgreSQL");
        }
        List<ProcessHandle> backends = pg.get().descendants().toList();
        kill9();
        pg.get().destroyForcibly();
        backends.forEach(ProcessHandle::destroyForcibly);
        pg.get().onExit().orTimeout(1, TimeUnit.MINUTES).join();
    }

    /** Graceful stop: SIGTERM, as an orchestrator sends it, and waits until the process has exited. */
    public void stop() {
        started.addAll(process.descendants().toList());
        process.destroy();
        waitForExit();
    }

    /** SIGTERM, as an orchestrator sends it, without waiting: the node drains while the test watches. */
    public void terminate() {
        started.addAll(process.descendants().toList());
        process.destroy();
    }

    /** Waits until the process has exited and returns its exit status. */
    public int exitStatus() {
        waitForExit();
        return process.exitValue();
    }

    /** A new process with this node's settings (same DATA_DIR, database, node id); this one must have exited. */
    public NodeProcess restart() {
        if (process.isAlive()) {
            throw new IllegalStateException(name + " is still running");
        }
        return restart(name, settings);
    }

    public Account register(String role) {
        return TestNode.register(client, role);
    }

    public String createTrip(Account driver, String from, String to, int days, int seats, double price) {
        return TestNode.createTrip(client, driver, from, to, days, seats, price);
    }

    /** The last lines of the node's log, for assertion messages. */
    public String logTail() {
        return tail(log);
    }

    private void waitForExit() {
        try {
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException(name + " did not exit within 2 minutes:\n" + tail(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private static void destroyTree(ProcessHandle root) {
        List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
        root.destroyForcibly();
        all.forEach(ProcessHandle::destroyForcibly);
    }

    /** Kills the node if it still runs, and whatever it started that outlived it (e.g. PostgreSQL after a kill -9). */
    @Override
    public void close() {
        if (process.isAlive()) {
            started.addAll(process.descendants().toList());
            embeddedPostgres().ifPresent(started::add);
            process.destroyForcibly();
            try {
                process.waitFor(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // handles remember the start time: a reused pid is not mistaken for the process we started, and a
        // PostgreSQL that a restarted node took over and replaced is not touched
        for (ProcessHandle h : started) {
            if (h.isAlive()) {
                h.destroy();
                h.onExit().completeOnTimeout(h, 30, TimeUnit.SECONDS).join();
                h.destroyForcibly();
            }
        }
    }

    /** The embedded PostgreSQL running on this node's DATA_DIR, if it runs on one (pg_ctl detaches it from the node). */
    private java.util.Optional<ProcessHandle> embeddedPostgres() {
        String dataDir = settings.get("DATA_DIR");
        if (dataDir == null || !(settings.get("DATABASE_URL") == null || settings.get("DATABASE_URL").isBlank())) {
            return java.util.Optional.empty();
        }
        Path pid = Path.of(dataDir, "postgres", "postmaster.pid");
        try {
            String first = Files.readAllLines(pid, StandardCharsets.UTF_8).get(0).trim();
            return ProcessHandle.of(Long.parseLong(first)).filter(h -> h.info().command()
                    .map(c -> c.contains("postgres")).orElse(false));
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }
}
