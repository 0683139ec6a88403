package com.hushryd.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** An nginx of a chaos run's own (own prefix, configuration, pid file and loopback port) in front of its nodes. */
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

    static Nginx start(Path prefix, int port, List<Integer> nodePorts) throws IOException, InterruptedException {
        Path bin = binary();
        if (bin == null) {
            throw new IOException("nginx is not installed; install it with: " + INSTALL);
        }
        Files.createDirectories(prefix.resolve("logs"));
        Path conf = prefix.resolve("nginx.conf");
        Files.writeString(conf, config(prefix, port, nodePorts));
        Process p = new ProcessBuilder(bin.toString(), "-p", prefix.toString(), "-c", conf.toString(), "-g",
                "daemon off;").redirectErrorStream(true)
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

    private static String config(Path prefix, int port, List<Integer> nodePorts) {
        String servers = nodePorts.stream().map(p -> "    server 127.0.0.1:" + p + " max_fails=1 fail_timeout=2s;")
                .collect(Collectors.joining("\n"));
        return """
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/logs/error.log warn;
                events { worker_connections 8192; }
                http {
                  access_log off;
                  client_body_temp_path %1$s/tmp-body;
                  proxy_temp_path %1$s/tmp-proxy;
                  fastcgi_temp_path %1$s/tmp-fastcgi;
                  uwsgi_temp_path %1$s/tmp-uwsgi;
                  scgi_temp_path %1$s/tmp-scgi;
                  upstream hushryd {
                %2$s
                    keepalive 64;
                  }
                  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
                  server {
                    listen 127.0.0.1:%3$d;
                    client_max_body_size 1m;
                    location / {
                      proxy_pass http://hushryd;
                      proxy_http_version 1.1;
                      proxy_set_header Upgrade $http_upgrade;
                      proxy_set_header Connection $connection_upgrade;
                      proxy_set_header Host $host;
                      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                      proxy_next_upstream error timeout http_502;
                      proxy_read_timeout 3600s;
                    }
                  }
                }
                """.formatted(prefix, servers, port);
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
