package com.hushryd.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback TCP proxy in front of a dependency (or of a node, for a client). {@link #cut()} drops every connection
 * and refuses new ones, as if the dependency went down, without touching the server behind it (which other tests
 * share); {@link #suspend()} does the same until {@link #resume()} (new connections are closed at once);
 * {@link #dropResponses(int)} lets requests through but swallows their answers (a response lost on the way back).
 */
public final class TcpProxy implements AutoCloseable {
    private static final Pattern HOST_PORT = Pattern.compile("//([^/:?]+):(\\d+)/");

    private final ServerSocket server;
    private volatile String host;
    private volatile int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger responsesToDrop =
            new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean suspended;

    public TcpProxy(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "tcp-proxy-" + server.getLocalPort());
        accept.setDaemon(true);
        accept.start();
    }

    /** A proxy to the host and port of this JDBC URL, and the URL rewritten to go through it. */
    public static TcpProxy forJdbcUrl(String url) throws IOException {
        Matcher m = HOST_PORT.matcher(url);
        if (!m.find()) {
            throw new IllegalArgumentException("no host:port in " + url);
        }
        return new TcpProxy(m.group(1), Integer.parseInt(m.group(2)));
    }

    /** {@code url} with its host and port replaced by this proxy's. */
    public String rewrite(String url) {
        return HOST_PORT.matcher(url).replaceFirst("//127.0.0.1:" + server.getLocalPort() + "/");
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket in = server.accept();
                if (suspended) {
                    closeQuietly(in);
                    continue;
                }
                Socket out = new Socket(host, port);
                open.add(in);
                open.add(out);
                pipe(in, out, false);
                pipe(out, in, true);
            } catch (IOException e) {
                // closed by cut(), or the target refused: the client sees its connection end
            }
        }
    }

    private void pipe(Socket from, Socket to, boolean answers) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream is = from.getInputStream(); OutputStream os = to.getOutputStream()) {
                for (int n; (n = is.read(buf)) >= 0; ) {
                    if (answers && responsesToDrop.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                        break; // the request was served; its answer is lost with the connection
                    }
                    os.write(buf, 0, n);
                    os.flush();
                }
            } catch (IOException e) {
                // either side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "tcp-proxy-pipe");
        t.setDaemon(true);
        t.start();
    }

    /** New connections go to this target from now on (e.g. another node, after the first one died). */
    public void retarget(String newHost, int newPort) {
        this.host = newHost;
        this.port = newPort;
    }

    /** The port clients connect to. */
    public int port() {
        return server.getLocalPort();
    }

    /** Drops every open connection (a network blip) and keeps accepting new ones. */
    public void dropConnections() {
        open.forEach(TcpProxy::closeQuietly);
        open.clear();
    }

    /** Drops every connection and closes new ones at once, until {@link #resume()}: a network outage. */
    public void suspend() {
        suspended = true;
        dropConnections();
    }

    /** Lets connections through again after {@link #suspend()}. */
    public void resume() {
        suspended = false;
    }

    /**
     * The next {@code n} answers from the target (the first bytes of a read) are swallowed and their connection
     * closed: the target did the work, the client never hears of it.
     */
    public void dropResponses(int n) {
        responsesToDrop.set(n);
    }

    /** Drops every connection and refuses new ones (connection refused), until the proxy is gone. */
    public void cut() {
        closeQuietly(server);
        open.forEach(TcpProxy::closeQuietly);
        open.clear();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // already closed
        }
    }

    @Override
    public void close() {
        cut();
    }
}
