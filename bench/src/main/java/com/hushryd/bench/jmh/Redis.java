package com.hushryd.bench.jmh;

import com.hushryd.store.RedisUrl;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** The Redis of the {@code redis} parameters: REDIS_URL (default the local one), checked before a trial uses it. */
final class Redis {
    private Redis() {
    }

    /**
     * The URL, once a PING through it was answered.
     *
     * @throws IllegalStateException "skipped: ..." when nothing answers, which fails only that trial
     */
    static RedisUrl url() {
        String text = System.getenv().getOrDefault("REDIS_URL", "redis://127.0.0.1:6379");
        RedisUrl url = RedisUrl.parse(text);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(url.host(), url.port()), 2000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            if (url.password() != null) {
                out.write(("AUTH " + (url.username() == null ? "" : url.username() + " ") + url.password() + "\r\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            out.write("PING\r\n".getBytes(StandardCharsets.UTF_8));
            InputStream in = s.getInputStream();
            byte[] b = new byte[64];
            int n = in.read(b);
            if (n <= 0 || !new String(b, 0, n, StandardCharsets.UTF_8).contains("PONG")) {
                throw new IOException("no PONG");
            }
        } catch (IOException e) {
            throw new IllegalStateException("skipped: no Redis answering at " + text + " (" + e.getMessage() + ")");
        }
        return url;
    }
}
