package com.hushryd.uploads.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hushryd.uploads.ObjectStore;
import com.hushryd.uploads.ObjectStoreContract;
import com.hushryd.uploads.PresignedPut;
import com.hushryd.uploads.UploadMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The local store through its own receiver on a real HTTP server, plus the receiver's error answers. */
class LocalObjectStoreIT extends ObjectStoreContract {
    private static final ObjectMapper JSON = new ObjectMapper();
    static Vertx vertx;
    static HttpServer server;
    static LocalObjectStore store;
    static LocalUploadReceiver receiver;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("hushryd-objects");
        store = new LocalObjectStore(dir.resolve("objects"), "0123456789abcdef0123456789abcdef-test".getBytes(
                StandardCharsets.UTF_8), Optional.empty(), Clock.systemUTC());
        vertx = Vertx.vertx();
        receiver = new LocalUploadReceiver(vertx, store, 2, Duration.ofSeconds(30), UploadMetrics.NONE);
        server = vertx.createHttpServer().requestHandler(receiver::handle).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Override
    protected ObjectStore store() {
        return store;
    }

    @Override
    protected URI origin() {
        return URI.create("http://127.0.0.1:" + server.actualPort());
    }

    @Override
    protected void assertStored(String key, String contentType, byte[] bytes) throws IOException {
        assertThat(Files.readAllBytes(dir.resolve("objects").resolve(key))).isEqualTo(bytes);
        try (var parts = Files.list(dir.resolve("objects-incoming"))) {
            assertThat(parts.toList()).as("no part file left behind").isEmpty();
        }
    }

    private static JsonNode error(HttpResponse<String> r) throws IOException {
        assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("requestId").asText()).isNotEmpty();
        return body.path("error");
    }

    @Test
    void refusals_useTheErrorShape_withACodePerCause() throws IOException {
        String key = newKey("png");
        PresignedPut p = presign(key, "image/png", 1_000, Instant.now().plus(Duration.ofHours(1)));
        URI alteredSize = URI.create(p.url().toString().replace("size=1000", "size=2000"));
        assertThat(error(upload(alteredSize, p, "image/png", bytes(2_000))).path("code").asText())
                .isEqualTo("SIGNATURE_INVALID");
        HttpResponse<String> wrongType = upload(p.url(), p, "image/jpeg", bytes(1_000));
        assertThat(wrongType.statusCode()).isEqualTo(415);
        assertThat(error(wrongType).path("code").asText()).isEqualTo("CONTENT_TYPE_MISMATCH");
        HttpResponse<String> tooLarge = upload(p, bytes(1_001));
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(error(tooLarge).path("code").asText()).isEqualTo("PAYLOAD_TOO_LARGE");
        HttpResponse<String> tooSmall = upload(p, bytes(999));
        assertThat(tooSmall.statusCode()).isEqualTo(400);
        assertThat(error(tooSmall).path("code").asText()).isEqualTo("SIZE_MISMATCH");

        assertThat(upload(p, bytes(1_000)).statusCode()).isEqualTo(200);
        HttpResponse<String> reused = upload(p, bytes(1_000));
        assertThat(reused.statusCode()).isEqualTo(409);
        assertThat(error(reused).path("code").asText()).isEqualTo("URL_ALREADY_USED");
    }

    @Test
    void expiredUrl_saysSo() throws IOException {
        String key = newKey("png");
        PresignedPut p = presign(key, "image/png", 10, Instant.now().minusSeconds(1));
        HttpResponse<String> r = upload(p, bytes(10));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(error(r).path("code").asText()).isEqualTo("URL_EXPIRED");
    }

    @Test
    void uploadLargerThanMemoryBuffers_isStreamedToDiskIntact() throws IOException {
        String key = newKey("pdf");
        byte[] body = bytes(8 * 1024 * 1024);
        PresignedPut p = presign(key, "application/pdf", body.length, Instant.now().plus(Duration.ofHours(1)));
        HttpResponse<String> r = upload(p, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertStored(key, "application/pdf", body);
    }

    @Test
    void moreConcurrentUploadsThanSlots_waitTheirTurn_andAllArriveIntact() throws Exception {
        List<String> keys = new ArrayList<>();
        List<byte[]> bodies = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        // the receiver's own counts, sampled while the uploads run: never more than its two slots busy, others queued
        AtomicInteger mostActive = new AtomicInteger();
        AtomicInteger mostWaiting = new AtomicInteger();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                mostActive.accumulateAndGet(receiver.active(), Math::max);
                mostWaiting.accumulateAndGet(receiver.waiting(), Math::max);
                java.util.concurrent.locks.LockSupport.parkNanos(50_000);
            }
        }, "slot-sampler");
        sampler.start();
        for (int i = 0; i < 20; i++) {
            String key = newKey("png");
            byte[] body = bytes(300_000);
            PresignedPut p = presign(key, "image/png", body.length, Instant.now().plus(Duration.ofHours(1)));
            keys.add(key);
            bodies.add(body);
            sent.add(http.sendAsync(HttpRequest.newBuilder(p.url()).header("Content-Type", "image/png")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        try {
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = sent.get(i).get(60, TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }
        } finally {
            sampling.set(false);
            sampler.join();
        }
        assertThat(mostActive.get()).as("uploads received at once").isEqualTo(2);
        assertThat(mostWaiting.get()).as("uploads that waited for a slot").isPositive();
        for (int i = 0; i < 20; i++) {
            assertStored(keys.get(i), "image/png", bodies.get(i));
        }
    }

    @Test
    void uploadsEndingWithTheirFileQueueFull_leaveTheKeepAliveConnectionReadingTheNextRequest() throws Exception {
        // a two-byte file queue (the least Vert.x takes) is full after every chunk, so each body's last chunk pauses the socket
        LocalUploadReceiver tight = new LocalUploadReceiver(vertx, store, 2, Duration.ofSeconds(30),
                UploadMetrics.NONE, 2);
        HttpServer tightServer = vertx.createHttpServer().requestHandler(tight::handle).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        URI origin = URI.create("http://127.0.0.1:" + tightServer.actualPort());
        try (Socket s = new Socket("127.0.0.1", tightServer.actualPort())) {
            s.setSoTimeout(30_000);
            var in = new java.io.DataInputStream(new java.io.BufferedInputStream(s.getInputStream()));
            for (int i = 0; i < 3; i++) {
                String key = newKey("png");
                byte[] body = bytes(100_000);
                PresignedPut p = store.presignPut(new com.hushryd.uploads.PutRequest(key, "image/png", body.length,
                        Instant.now().plus(Duration.ofHours(1)), origin));
                sendPut(s, p, body);
                assertThat(readResponse(in).status()).as("upload %d on one connection", i + 1).startsWith("HTTP/1.1 200 ");
                assertStored(key, "image/png", body);
            }
        } finally {
            tightServer.close();
        }
    }

    private static void sendPut(Socket s, PresignedPut p, byte[] body) throws IOException {
        String target = p.url().getRawPath() + "?" + p.url().getRawQuery();
        s.getOutputStream().write(("PUT " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().write(body);
        s.getOutputStream().flush();
    }

    private record Answer(String status, byte[] body) {
    }

    /** Reads one response with a Content-Length body off a connection, leaving the connection at the next one. */
    private static Answer readResponse(java.io.DataInputStream in) throws IOException {
        String status = line(in);
        int length = 0;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(h.substring("content-length:".length()).trim());
            }
        }
        byte[] body = new byte[length];
        in.readFully(body);
        return new Answer(status, body);
    }

    private static String line(java.io.DataInputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new java.io.EOFException("connection closed after: " + b);
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    /** Starts an upload by hand: headers and the first {@code sent} bytes of a {@code size}-byte body, then stalls. */
    private Socket stalledUpload(PresignedPut p, int size, int sent) throws IOException {
        return stalledUpload(server, p, size, sent);
    }

    private Socket stalledUpload(HttpServer to, PresignedPut p, int size, int sent) throws IOException {
        Socket s = new Socket("127.0.0.1", to.actualPort());
        String target = p.url().getRawPath() + "?" + p.url().getRawQuery();
        s.getOutputStream().write(("PUT " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n"
                + "Content-Length: " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().write(bytes(sent));
        s.getOutputStream().flush();
        return s;
    }

    private static String statusLine(Socket s) throws IOException {
        return new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                StandardCharsets.US_ASCII)).readLine();
    }

    @Test
    void aClientLeavingWhileWaitingForASlot_doesNotKeepIt() throws Exception {
        Instant later = Instant.now().plus(Duration.ofHours(1));
        PresignedPut a = presign(newKey("png"), "image/png", 1000, later);
        PresignedPut b = presign(newKey("png"), "image/png", 1000, later);
        String leaverKey = newKey("png");
        PresignedPut c = presign(leaverKey, "image/png", 1000, later);
        try (Socket sa = stalledUpload(a, 1000, 500); Socket sb = stalledUpload(b, 1000, 500)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.active() == 2);
            Socket sc = stalledUpload(c, 1000, 500);
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.waiting() == 1);
            sc.close();

            sa.getOutputStream().write(bytes(500));
            sb.getOutputStream().write(bytes(500));
            assertThat(statusLine(sa)).isEqualTo("HTTP/1.1 200 OK");
            assertThat(statusLine(sb)).isEqualTo("HTTP/1.1 200 OK");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.active() == 0 && receiver.waiting() == 0);
        assertThat(store.stat(leaverKey)).isEmpty();
    }

    @Test
    void aBodyThatStallsWhileHoldingASlot_gets408_andTheSlotAndPartFileAreFreed() throws Exception {
        LocalUploadReceiver impatient = new LocalUploadReceiver(vertx, store, 1, Duration.ofMillis(300),
                UploadMetrics.NONE);
        HttpServer impatientServer = vertx.createHttpServer().requestHandler(impatient::handle)
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        URI origin = URI.create("http://127.0.0.1:" + impatientServer.actualPort());
        Instant later = Instant.now().plus(Duration.ofHours(1));
        String stalledKey = newKey("png");
        try (Socket stalled = stalledUpload(impatientServer, store.presignPut(new com.hushryd.uploads.PutRequest(
                stalledKey, "image/png", 1000, later, origin)), 1000, 400)) {
            stalled.setSoTimeout(30_000);
            var in = new java.io.DataInputStream(new java.io.BufferedInputStream(stalled.getInputStream()));
            Answer answer = readResponse(in);
            assertThat(answer.status()).startsWith("HTTP/1.1 408 ");
            JsonNode error = JSON.readTree(answer.body()).path("error");
            assertThat(error.path("code").asText()).isEqualTo("REQUEST_TIMEOUT");
            assertThat(error.path("details").path("timeoutMillis").asLong()).isEqualTo(300);
            assertThat(in.read()).as("the connection is closed after the answer").isEqualTo(-1);
        } finally {
            await().atMost(Duration.ofSeconds(10)).until(() -> impatient.active() == 0);
            impatientServer.close();
        }
        assertThat(store.stat(stalledKey)).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(store.partFile(stalledKey)));
    }

    @Test
    void abandonedPartFiles_areRemovedOnStart() throws IOException {
        Path part = store.partFile(newKey("png"));
        Files.write(part, bytes(10));
        assertThat(store.removeAbandonedParts()).isGreaterThanOrEqualTo(1);
        assertThat(part).doesNotExist();
    }
}
