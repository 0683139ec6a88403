package com.hushryd.uploads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link ObjectStore} backend passes, against its real server, with uploads sent by a plain HTTP
 * client (the way an app would use the URL): each backend's test only supplies the store.
 */
public abstract class ObjectStoreContract {
    private static final Duration HOUR = Duration.ofHours(1);
    protected final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final Random random = new Random(8);

    protected abstract ObjectStore store();

    /** Where the client reaches the node (stores that receive uploads themselves build their URLs on it). */
    protected abstract URI origin();

    /** Checks through the backend's own means that the object holds {@code bytes} as {@code contentType}. */
    protected abstract void assertStored(String key, String contentType, byte[] bytes) throws IOException;

    protected String newKey(String ext) {
        return "documents/" + UUID.randomUUID() + "/licence/" + System.currentTimeMillis() + "-"
                + String.format("%016x", random.nextLong()) + "." + ext;
    }

    protected byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    protected PresignedPut presign(String key, String contentType, long size, Instant expiresAt) {
        return store().presignPut(new PutRequest(key, contentType, size, expiresAt, origin()));
    }

    /** PUTs {@code body} to a presigned URL with the headers it came with, as any HTTP client would. */
    protected HttpResponse<String> upload(URI url, PresignedPut p, String contentType, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30));
        p.headers().forEach((name, value) -> {
            if (!name.equalsIgnoreCase("Content-Type")) {
                b.header(name, value);
            }
        });
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        try {
            return http.send(b.PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("PUT " + url + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    protected HttpResponse<String> upload(PresignedPut p, byte[] body) {
        return upload(p.url(), p, p.headers().get("Content-Type"), body);
    }

    @Test
    void presignedPut_storesTheWholeObject_visibleToStatAndOpen() throws IOException {
        String key = newKey("png");
        byte[] body = bytes(50_000);
        PresignedPut p = presign(key, "image/png", body.length, Instant.now().plus(HOUR));
        assertThat(p.headers()).containsEntry("Content-Type", "image/png");
        assertThat(p.expiresAt()).isAfter(Instant.now().plus(Duration.ofMinutes(59)));

        HttpResponse<String> r = upload(p, body);

        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        assertThat(store().stat(key)).contains(new ObjectInfo(key, body.length));
        try (InputStream in = store().open(key)) {
            assertThat(in.readAllBytes()).isEqualTo(body);
        }
        assertStored(key, "image/png", body);
    }

    @Test
    void presignedPut_usedTwice_secondIsRefusedAndTheObjectIsUnchanged() throws IOException {
        String key = newKey("pdf");
        byte[] first = bytes(2_000);
        byte[] second = bytes(2_000);
        PresignedPut p = presign(key, "application/pdf", first.length, Instant.now().plus(HOUR));
        assertThat(upload(p, first).statusCode()).isBetween(200, 299);

        HttpResponse<String> again = upload(p, second);

        assertThat(again.statusCode()).as(again.body()).isBetween(400, 499);
        try (InputStream in = store().open(key)) {
            assertThat(in.readAllBytes()).isEqualTo(first);
        }
    }

    @Test
    void tamperedUrl_otherKey_isRefusedAndNothingIsStored() {
        String key = newKey("png");
        String other = newKey("png");
        byte[] body = bytes(1_000);
        PresignedPut p = presign(key, "image/png", body.length, Instant.now().plus(HOUR));
        URI tampered = URI.create(p.url().toString().replace(key, other));
        assertThat(tampered).isNotEqualTo(p.url());

        HttpResponse<String> r = upload(tampered, p, "image/png", body);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(store().stat(other)).isEmpty();
        assertThat(store().stat(key)).isEmpty();
    }

    @Test
    void expiredUrl_isRefused() {
        String key = newKey("jpg");
        byte[] body = bytes(1_000);
        Instant expiresAt = Instant.now().plusSeconds(1);
        PresignedPut p = presign(key, "image/jpeg", body.length, expiresAt);
        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(p.expiresAt().plusSeconds(1)));

        HttpResponse<String> r = upload(p, body);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(store().stat(key)).isEmpty();
    }

    @Test
    void otherContentTypeThanSigned_isRefused() {
        String key = newKey("png");
        byte[] body = bytes(1_000);
        PresignedPut p = presign(key, "image/png", body.length, Instant.now().plus(HOUR));

        HttpResponse<String> r = upload(p.url(), p, "text/plain", body);

        assertThat(r.statusCode()).as(r.body()).isBetween(400, 499);
        assertThat(store().stat(key)).isEmpty();
    }

    @Test
    void bodyLargerThanSigned_isRefusedAndNothingIsStored() {
        String key = newKey("png");
        PresignedPut p = presign(key, "image/png", 10_000, Instant.now().plus(HOUR));

        HttpResponse<String> r = upload(p, bytes(20_000));

        assertThat(r.statusCode()).as(r.body()).isBetween(400, 499);
        assertThat(store().stat(key)).isEmpty();
    }

    @Test
    void bodySmallerThanSigned_isRefusedAndNothingIsStored() {
        String key = newKey("png");
        PresignedPut p = presign(key, "image/png", 10_000, Instant.now().plus(HOUR));

        HttpResponse<String> r = upload(p, bytes(9_999));

        assertThat(r.statusCode()).as(r.body()).isBetween(400, 499);
        assertThat(store().stat(key)).isEmpty();
    }

    @Test
    void serverWrittenObject_putOpenDelete_roundTrips() throws IOException {
        String key = "thumbnails/" + UUID.randomUUID() + "/licence/1-0000000000000000.jpg";
        byte[] body = bytes(3_000);

        store().put(key, "image/jpeg", body);
        byte[] replaced = bytes(10);
        store().put(key, "image/jpeg", replaced);

        assertThat(store().stat(key)).contains(new ObjectInfo(key, 10));
        try (InputStream in = store().open(key)) {
            assertThat(in.readAllBytes()).isEqualTo(replaced);
        }
        store().delete(key);
        assertThat(store().stat(key)).isEmpty();
        store().delete(key);
    }

    @Test
    void missingObject_statIsEmpty_openThrowsNotFound() {
        String key = newKey("png");
        assertThat(store().stat(key)).isEmpty();
        assertThatThrownBy(() -> store().open(key)).isInstanceOf(ObjectStoreException.NotFound.class);
    }
}
