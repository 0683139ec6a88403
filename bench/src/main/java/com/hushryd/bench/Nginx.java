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
        Path site = prefix.resolve("hushryd.conf");
        Files.writeString(site, site(Files.readString(root.resolve("deploy/nginx/hushryd.conf")), port, nodePorts));
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
     * The project's site configuration for these nodes, rewritten as the file itself says to (and as
     * {@code deploy/local-cluster.sh} does): the block between the "nodes" markers, one line per node in each of its
     * three parts, and the {@code listen} line.
     */
    static String site(String template, int port, List<Integer> nodePorts) throws IOException {
        int begin = template.indexOf("# --- nodes: begin");
        int end = template.indexOf("# --- nodes: end ---");
        if (begin < 0 || end < 0 || !LISTEN.matcher(template).find()) {
            throw new IOException("deploy/nginx/hushryd.conf has no '# --- nodes: begin/end' markers or no "
                    + "'listen 127.0.0.1:PORT;' line to rewrite");
        }
        StringBuilder b = new StringBuilder("# --- nodes: begin (rendered by the chaos bench for "
                + nodePorts.size() + " nodes) ---\nupstream hushryd {\n");
        nodePorts.forEach(p -> b.append("    server 127.0.0.1:").append(p).append(" max_fails=3 fail_timeout=10s;\n"));
        b.append("    keepalive 64;\n    keepalive_timeout 3s;\n}\n");
        for (int i = 0; i < nodePorts.size(); i++) {
            b.append("upstream hushryd_n").append(i + 1).append(" { server 127.0.0.1:").append(nodePorts.get(i))
                    .append("; keepalive 16; keepalive_timeout 3s; }\n");
        }
        b.append("map $arg_sid $hushryd_upstream {\n    default   hushryd;\n");
        for (int i = 1; i <= nodePorts.size(); i++) {
            b.append("    ~^n").append(i).append("\\.    hushryd_n").append(i).append(";\n");
        }
        b.append("}\n");
        String nodes = template.substring(0, begin) + b + template.substring(end);
        return LISTEN.matcher(nodes).replaceFirst("    listen 127.0.0.1:" + port + ";");
    }

    private static final java.util.regex.Pattern LISTEN = java.util.regex.Pattern.compile(
            "(?m)^    listen 127\\.0\\.0\\.1:[0-9]+;");

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
