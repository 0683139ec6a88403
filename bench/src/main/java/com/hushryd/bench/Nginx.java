package com.hushryd.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** An nginx of a chaos run's own, with the project's configuration (own prefix, configuration, pid file and loopback port) in front of its nodes. */
final class Nginx implements AutoCloseable {
    static final String INSTALL = "apt-get install -y nginx";
    private final Process process;

    private Nginx(Process process) {
        this.process = process;
    }

    /** The nginx binary: Debian's /usr/sbin/nginx, else the first on the PATH; null when not installed. */
    static Path binary() {
        Path debian = Path.of("/usr/sbin/nginx");
        if (Files.isExecutable(debian)) {
            return debian;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "nginx");
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Starts nginx with the project's configuration ({@code deploy/nginx/hushryd.conf}, for these nodes: their
     * routes are n1, n2, ... in this order) inside a main file of its own, and waits until it listens.
     */
    static Nginx start(Path root, Path prefix, int port, List<Integer> nodePorts) throws IOException,
            InterruptedException {
        Path bin = binary();
        if (bin == null) {
            throw new IOException("nginx is not installed; install it with: " + INSTALL);
        }
        Files.createDirectories(prefix.resolve("logs"));
        Path site = render(root, prefix, port, nodePorts);
        Path conf = prefix.resolve("nginx.conf");
        Files.writeString(conf, main(prefix, site));
        Process p = new ProcessBuilder(bin.toString(), "-e", prefix.resolve("logs/error.log").toString(), "-p",
                prefix.toString(), "-c", conf.toString(), "-g", "daemon off;").redirectErrorStream(true)
                .redirectOutput(prefix.resolve("logs/stdout.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && p.isAlive()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return new Nginx(p);
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        p.destroyForcibly();
        throw new IOException("nginx did not listen on 127.0.0.1:" + port + ": "
                + ChaosCluster.tail(prefix.resolve("logs/error.log"), 10) + ChaosCluster.tail(prefix.resolve(
                        "logs/stdout.log"), 10));
    }

    /**
     * The project's site configuration for these nodes, as {@code deploy/local-cluster.sh render} writes it (the one
     * renderer of {@code deploy/nginx/hushryd.conf}'s nodes block).
     */
    private static Path render(Path root, Path prefix, int port, List<Integer> nodePorts) throws IOException,
            InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("bash",
                root.resolve("deploy/local-cluster.sh").toString(), "render", "--port", String.valueOf(port)));
        nodePorts.forEach(p -> command.addAll(List.of("--node", "127.0.0.1:" + p)));
        Path site = prefix.resolve("hushryd.conf");
        Path err = prefix.resolve("logs/render.err");
        Process r = new ProcessBuilder(command).redirectOutput(site.toFile()).redirectError(err.toFile()).start();
        if (!r.waitFor(30, TimeUnit.SECONDS) || r.exitValue() != 0) {
            r.destroyForcibly();
            throw new IOException("deploy/local-cluster.sh render failed: " + Files.readString(err));
        }
        return site;
    }

    /** The main file: this instance's pid, logs and temporary files under its prefix, then the site. */
    private static String main(Path prefix, Path site) {
        return """
                pid %1$s/nginx.pid;
                error_log %1$s/logs/error.log warn;
                worker_processes 1;
                events { worker_connections 8192; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/temp-body;
                    proxy_temp_path %1$s/temp-proxy;
                    fastcgi_temp_path %1$s/temp-fastcgi;
                    uwsgi_temp_path %1$s/temp-uwsgi;
                    scgi_temp_path %1$s/temp-scgi;
                    include %2$s;
                }
                """.formatted(prefix, site);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
