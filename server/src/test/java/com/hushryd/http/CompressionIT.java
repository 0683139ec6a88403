package com.hushryd.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Compression on the wire with stock clients: gzip for HTTP responses above HTTP_COMPRESSION_MIN_SIZE when the client
 * accepts it, identity otherwise; WebSocket permessage-deflate only when REALTIME_PER_MESSAGE_DEFLATE is on, used by
 * the official socket.io-client.
 */
class CompressionIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    static TestNode plain;
    static TestNode deflating;
    static Account driver;
    static Account passenger;

    @BeforeAll
    static void start() {
        plain = TestNode.start();
        deflating = TestNode.start(Map.of("REALTIME_PER_MESSAGE_DEFLATE", "true", "HTTP_COMPRESSION_MIN_SIZE", "off"));
        driver = plain.register("driver");
        passenger = plain.register("passenger");
        for (int i = 0; i < 12; i++) {
            plain.createTrip(driver, "Mysuru", "Kochi", 1 + i % 4, 3, 400 + i);
        }
    }

    @AfterAll
    static void stop() {
        plain.close();
        deflating.close();
    }

    private static HttpResponse<byte[]> get(TestNode node, String path, String acceptEncoding) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.api().base() + path))
                .header("Authorization", "Bearer " + passenger.token());
        if (acceptEncoding != null) {
            b.header("Accept-Encoding", acceptEncoding);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] gunzip(byte[] body) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return in.readAllBytes();
        }
    }

    @Test
    void largeResponse_clientAcceptsGzip_isGzipped() throws Exception {
        HttpResponse<byte[]> r = get(plain, "/api/v1/trips/search?from=Mysuru&to=Kochi&limit=12", "gzip");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
        byte[] json = gunzip(r.body());
        assertThat(json.length).isGreaterThan(1024).isGreaterThan(2 * r.body().length);
        JsonNode page = new ObjectMapper().readTree(json);
        assertThat(page.path("items").size()).isEqualTo(12);
    }

    @Test
    void browser_getsALargeResponseCompressed_andReadsItIntact() throws Exception {
        Process p = com.hushryd.testing.TestChromium.script("browser-get.mjs", plain.api().base() + "/openapi.json")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        String line = out.lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(() ->
                new AssertionError("headless Chromium printed no result:\n" + out));
        com.fasterxml.jackson.databind.JsonNode r = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
        assertThat(r.path("status").asInt()).isEqualTo(200);
        assertThat(r.path("acceptEncoding").asText()).as("Chromium's own header").contains("gzip");
        assertThat(r.path("contentEncoding").asText()).isIn("gzip", "deflate");
        HttpResponse<byte[]> identity = get(plain, "/openapi.json", null);
        assertThat(r.path("body").asText()).as("decoded by the browser, the same document")
                .isEqualTo(new String(identity.body(), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void largeResponse_noAcceptEncoding_orUnknownCoding_isIdentity() throws Exception {
        for (String accept : new String[] {null, "identity", "br;q=1, compress-nonsense"}) {
            HttpResponse<byte[]> r = get(plain, "/api/v1/trips/search?from=Mysuru&to=Kochi&limit=12", accept);
            assertThat(r.statusCode()).as("Accept-Encoding %s", accept).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Encoding")).as("Accept-Encoding %s", accept).isEmpty();
            assertThat(new ObjectMapper().readTree(r.body()).path("items").size()).isEqualTo(12);
        }
    }

    @Test
    void smallResponse_belowTheThreshold_isIdentity() throws Exception {
        HttpResponse<byte[]> r = get(plain, "/api/v1/trips/search?from=Nowhere&to=Kochi", "gzip, deflate");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body().length).isLessThan(1024);
        assertThat(r.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("\"items\":[]");
        // errors too: the contract's shape, readable as sent
        HttpResponse<byte[]> bad = get(plain, "/api/v1/trips/search?minSeats=lots", "gzip");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(new String(bad.body(), StandardCharsets.UTF_8)).contains("\"error\"");
    }

    @Test
    void compressionOff_largeResponse_isIdentity() throws Exception {
        Account someone = deflating.register("passenger");
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(deflating.api().base()
                + "/openapi.json")).header("Accept-Encoding", "gzip").header("Authorization", "Bearer "
                + someone.token()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body().length).isGreaterThan(10_000);
        assertThat(r.headers().firstValue("Content-Encoding")).isEmpty();
    }

    /** The Sec-WebSocket-Extensions the node answers to a handshake offering permessage-deflate ("" for none). */
    private static String negotiated(TestNode node) throws IOException {
        try (Socket s = new Socket("127.0.0.1", node.node().port())) {
            s.setSoTimeout(15_000);
            s.getOutputStream().write(("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                    StandardCharsets.US_ASCII));
            assertThat(in.readLine()).startsWith("HTTP/1.1 101");
            String extensions = "";
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                if (line.toLowerCase().startsWith("sec-websocket-extensions:")) {
                    extensions = line.substring(line.indexOf(':') + 1).trim();
                }
            }
            return extensions;
        }
    }

    @Test
    void webSocketHandshake_offersDeflate_negotiatedOnlyWhenEnabled() throws Exception {
        assertThat(negotiated(plain)).isEmpty();
        assertThat(negotiated(deflating)).startsWith("permessage-deflate");
    }

    @Test
    void officialClient_perMessageDeflateEnabled_exchangesLargeCompressedMessages() {
        Account rider = deflating.register("passenger");
        try (SocketIoAgent agent = SocketIoAgent.start()) {
            SocketIoAgent.Client client = agent.connect("deflate", deflating.api().base(),
                    Map.of("token", rider.token()), Map.of("transports", List.of("websocket"),
                            "perMessageDeflate", Map.of("threshold", 64)));
            assertThat(client.connected()).as("connect: %s", client.connectReply()).isTrue();
            assertThat(client.state().path("extensions").asText()).isEqualTo("permessage-deflate");
            // a 3 KB message the client compresses; the server inflates it and answers (compressed) through the ack
            String text = "x".repeat(3000);
            JsonNode ack = client.emitWithAck("chat:send", Map.of("conversationId",
                    "00000000-0000-0000-0000-000000000000", "text", text)).get(0);
            assertThat(ack.toString()).contains("error");
            assertThat(client.state().path("connected").asBoolean()).isTrue();

            // the same client against a node with it off (the default): plain frames
            SocketIoAgent.Client off = agent.connect("plain", plain.api().base(), Map.of("token", passenger.token()),
                    Map.of("transports", List.of("websocket")));
            assertThat(off.connected()).as("connect: %s", off.connectReply()).isTrue();
            assertThat(off.state().path("extensions").asText()).isEmpty();
        }
    }
}
