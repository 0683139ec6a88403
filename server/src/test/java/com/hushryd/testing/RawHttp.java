package com.hushryd.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 over a plain socket, for requests no well-behaved client would send (bad percent-encoding, lying
 * {@code Content-Length}, oversized heads): writes the bytes as given and reads one response.
 */
public final class RawHttp implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Socket socket;
    private final InputStream in;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    /** Opens a connection to the node on 127.0.0.1:{@code port}. */
    public static RawHttp open(int port) {
        try {
            return new RawHttp(new Socket("127.0.0.1", port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens a connection to 127.0.0.1:{@code port} from the loopback address {@code from} (e.g. 127.0.0.2). */
    public static RawHttp open(String from, int port) {
        try {
            Socket socket = new Socket();
            socket.bind(new java.net.InetSocketAddress(from, 0));
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
            return new RawHttp(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code head} (request line and headers, without the blank line) and {@code body}, reads the response. */
    public static HttpResult exchange(int port, String head, String body) {
        try (RawHttp http = open(port)) {
            http.send(head + "\r\n\r\n" + (body == null ? "" : body));
            return http.read(Duration.ofSeconds(15));
        }
    }

    /** A GET of this request target exactly as written (no encoding or checks). */
    public static HttpResult get(int port, String target) {
        return exchange(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close", null);
    }

    public void send(String raw) {
        try {
            socket.getOutputStream().write(raw.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one response, or fails when none (complete) comes within {@code timeout}. */
    public HttpResult read(Duration timeout) {
        try {
            socket.setSoTimeout((int) timeout.toMillis());
            String statusLine = line();
            if (statusLine == null) {
                throw new IllegalStateException("connection closed without a response");
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String h = line(); h != null && !h.isEmpty(); h = line()) {
                int colon = h.indexOf(':');
                headers.computeIfAbsent(h.substring(0, colon).trim(), k -> new ArrayList<>())
                        .add(h.substring(colon + 1).trim());
            }
            byte[] body = body(headers);
            String text = new String(body, StandardCharsets.UTF_8);
            JsonNode json = null;
            String type = headers.getOrDefault("Content-Type", List.of("")).get(0);
            if (type.toLowerCase(Locale.ROOT).startsWith("application/json") && body.length > 0) {
                json = MAPPER.readTree(body);
            }
            return new HttpResult(status, HttpHeaders.of(headers, (a, b) -> true), text, json);
        } catch (SocketTimeoutException e) {
            throw new IllegalStateException("no response within " + timeout, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the server closes the connection within {@code timeout} (after any response was read). */
    public boolean closedWithin(Duration timeout) {
        try {
            socket.setSoTimeout((int) timeout.toMillis());
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private byte[] body(Map<String, List<String>> headers) throws IOException {
        List<String> length = headers.get("Content-Length");
        if (length != null) {
            return in.readNBytes(Integer.parseInt(length.get(0)));
        }
        List<String> encoding = headers.get("Transfer-Encoding");
        if (encoding != null && encoding.get(0).equalsIgnoreCase("chunked")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int size = Integer.parseInt(line().trim(), 16); size > 0; size = Integer.parseInt(line().trim(), 16)) {
                out.write(in.readNBytes(size));
                line();
            }
            line();
            return out.toByteArray();
        }
        return new byte[0];
    }

    private String line() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b == -1) {
                return out.size() == 0 ? null : out.toString(StandardCharsets.ISO_8859_1);
            }
            if (b != '\r') {
                out.write(b);
            }
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
