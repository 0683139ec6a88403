package com.hushryd.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx of the test's own (own prefix, pid file and loopback port; never the system's service) in front of
 * nodes, configured with {@code deploy/nginx/hushryd.conf} as {@code deploy/local-cluster.sh render} renders it.
 * A machine without nginx gets it installed ({@code apt-get install -y nginx}) when the tests run as root with apt,
 * as the suite installs its npm dependencies; otherwise the test fails saying which command to run.
 */
public final class TestNginx implements AutoCloseable {
    private static final Path ROOT = Path.of(System.getProperty("hushryd.repo.root", "..")).toAbsolutePath()
            .normalize();
    private final Process process;
    private final Path dir;
    private final int port;
    private final List<Integer> nodePorts;

    private TestNginx(Process process, Path dir, int port, List<Integer> nodePorts) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.nodePorts = List.copyOf(nodePorts);
    }

    /** Starts nginx on a free loopback port in front of these nodes (routes n1, n2, ... in this order). */
    public static TestNginx start(List<Integer> nodePorts) {
        String nginx = binary();
        try {
            Path dir = Files.createTempDirectory("hushryd-nginx");
            int port = freePort();
            render(dir, port, nodePorts);
            Files.createDirectories(dir.resolve("temp"));
            Files.writeString(dir.resolve("nginx.conf"), """
                    pid %1$s/nginx.pid;
                    error_log %1$s/error.log warn;
                    worker_processes 1;
                    worker_shutdown_timeout 10s;
                    daemon off;
                    events { worker_connections 1024; }
                    http {
                        access_log off;
                        client_body_temp_path %1$s/temp/body;
                        proxy_temp_path %1$s/temp/proxy;
                        fastcgi_temp_path %1$s/temp/fastcgi;
                        uwsgi_temp_path %1$s/temp/uwsgi;
                        scgi_temp_path %1$s/temp/scgi;
                        include %1$s/hushryd.conf;
                    }
                    """.formatted(dir), StandardCharsets.UTF_8);
            Process p = new ProcessBuilder(nginx, "-e", dir.resolve("error.log").toString(), "-p", dir.toString(),
                    "-c", dir.resolve("nginx.conf").toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile()).start();
            TestNginx started = new TestNginx(p, dir, port, nodePorts);
            try {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                        .failFast("nginx exited: " + started.log(), () -> !p.isAlive())
                        .until(() -> accepts(port));
            } catch (RuntimeException | Error e) {
                started.close();
                throw e;
            }
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void render(Path dir, int port, List<Integer> nodePorts)
            throws IOException, InterruptedException {
        List<String> render = new ArrayList<>(List.of("bash", ROOT.resolve("deploy/local-cluster.sh").toString(),
                "render", "--port", String.valueOf(port)));
        nodePorts.forEach(p -> render.addAll(List.of("--node", "127.0.0.1:" + p)));
        Process r = new ProcessBuilder(render).redirectOutput(dir.resolve("hushryd.conf").toFile())
                .redirectError(dir.resolve("render.err").toFile()).start();
        if (!r.waitFor(30, TimeUnit.SECONDS) || r.exitValue() != 0) {
            throw new IllegalStateException("render failed: " + Files.readString(dir.resolve("render.err")));
        }
    }

    /**
     * What {@code deploy/local-cluster.sh stop-node} does after SIGTERM: GETs on the drain probe, enough for every
     * node to be tried max_fails times, so that nginx counts a draining node's 503s and leaves it.
     */
    public void drainProbe() {
        ApiClient probe = api();
        for (int i = 0; i < 4 * nodePorts.size() + 4; i++) {
            probe.get("/.hushryd/drain-probe", null);
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public ApiClient api() {
        return new ApiClient(url());
    }

    /** nginx's error log and output, for assertion messages. */
    public String log() {
        try {
            return Files.readString(dir.resolve("stdout.log")) + (Files.exists(dir.resolve("error.log"))
                    ? Files.readString(dir.resolve("error.log")) : "");
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** The nginx binary, installed with apt-get when missing and allowed (root with apt). */
    static String binary() {
        return DebianPackage.require("nginx", () -> DebianPackage.onPath("nginx", "/usr/sbin", "/usr/local/sbin"),
                "the load-balancer tests", "");
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Stops nginx (SIGTERM: fast shutdown of the master and its worker). */
    @Override
    public void close() {
        List<ProcessHandle> workers = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.forEach(ProcessHandle::destroyForcibly);
    }
}
