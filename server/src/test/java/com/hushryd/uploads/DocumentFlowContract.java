package com.hushryd.uploads;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A document's whole way through a real node, the same for every object store: ask for an upload URL, PUT the bytes
 * with a plain HTTP client, complete, let the {@code document-processing} worker inspect it, see the status and the
 * Socket.IO {@code notification}. Each backend's test supplies the node settings and a look into its store.
 */
public abstract class DocumentFlowContract {
    protected static final String ADMIN_PHONE = "+919811100099";
    protected static final String ADMIN_PASSWORD = "admin-password-123";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static SocketIoAgent agent;
    private static int clients;

    /** The running node of the backend under test. */
    protected abstract TestNode node();

    /** Whether the backend holds an object of exactly {@code size} bytes under {@code key}. */
    protected abstract boolean stored(String key, long size);

    /**
     * Whether the store may refuse an oversized body by closing the connection before it answers (a third-party S3
     * server may answer and close while the client is still sending); HushRyd's own store always answers.
     */
    protected boolean mayRefuseByClosing() {
        return false;
    }

    /** Settings every backend's node gets besides its store's. */
    protected static Map<String, String> commonSettings() {
        Map<String, String> env = new HashMap<>();
        env.put("RATE_LIMIT_UPLOAD", "5/1m");
        env.put("UPLOAD_MAX_SIZE", "1mb");
        env.put("ADMIN_PHONE", ADMIN_PHONE);
        env.put("ADMIN_PASSWORD", ADMIN_PASSWORD);
        return env;
    }

    @BeforeAll
    static void startAgent() {
        agent = SocketIoAgent.start();
    }

    @AfterAll
    static void stopAgent() {
        agent.close();
    }

    protected SocketIoAgent.Client socket(Account user) {
        SocketIoAgent.Client c = agent.connect("c" + (++clients), node().api().base(), user.token());
        assertThat(c.connected()).as(c.connectReply().toString()).isTrue();
        return c;
    }

    protected HttpResult uploadUrl(Account user, String type, String contentType, long size) {
        return node().api().post("/api/v1/documents/upload-url", user.token(),
                map("documentType", type, "contentType", contentType, "size", size));
    }

    /** PUTs the bytes to the upload URL with the headers the node returned, the way an app would. */
    protected static HttpResponse<String> put(String url, JsonNode headers, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        for (Iterator<Map.Entry<String, JsonNode>> it = headers.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            b.header(h.getKey(), h.getValue().asText());
        }
        try {
            return HTTP.send(b.PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("PUT failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    protected HttpResult complete(Account user, String key) {
        return node().api().post("/api/v1/documents/" + URLEncoder.encode(key, StandardCharsets.UTF_8) + "/complete",
                user.token(), map());
    }

    /** Asks for a URL, uploads {@code body} and completes; returns the upload-url answer. */
    protected JsonNode uploadAndComplete(Account user, String type, String contentType, byte[] body) {
        HttpResult url = uploadUrl(user, type, contentType, body.length);
        assertThat(url.status()).as(url.text()).isEqualTo(200);
        HttpResponse<String> put = put(url.str("uploadUrl"), url.json().path("headers"), body);
        assertThat(put.statusCode()).as(put.body()).isBetween(200, 299);
        HttpResult done = complete(user, url.str("key"));
        assertThat(done.status()).as(done.text()).isEqualTo(202);
        return url.json();
    }

    protected JsonNode document(Account user, String key) {
        HttpResult list = node().api().get("/api/v1/documents", user.token());
        assertThat(list.status()).as(list.text()).isEqualTo(200);
        for (JsonNode d : list.json().path("items")) {
            if (key.equals(d.path("key").asText())) {
                return d;
            }
        }
        throw new AssertionError("no document " + key + " in " + list.text());
    }

    protected static JsonNode awaitNotification(SocketIoAgent.Client c, String documentKey) {
        return c.awaitEvent("notification", a -> documentKey.equals(a.get(0).path("data").path("key").asText()), WAIT)
                .get(0);
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void driverUploadsAPng_itIsVerified_withHashAndThumbnail_andTheDriverIsNotified() throws Exception {
        Account driver = node().register("driver");
        SocketIoAgent.Client c = socket(driver);
        byte[] png = Samples.image("png", 900, 600);

        HttpResult url = uploadUrl(driver, "licence", "image/png", png.length);
        assertThat(url.status()).as(url.text()).isEqualTo(200);
        String key = url.str("key");
        assertThat(key).matches("documents/" + driver.id() + "/licence/\\d{13}-[0-9a-f]{16}\\.png");
        assertThat(url.str("method")).isEqualTo("PUT");
        assertThat(url.json().path("headers").path("Content-Type").asText()).isEqualTo("image/png");
        assertThat(Duration.between(Instant.now(), Instant.parse(url.str("expiresAt"))))
                .isBetween(Duration.ofMinutes(58), Duration.ofMinutes(61));
        assertThat(url.header("RateLimit")).matches("\"upload\";r=4;t=\\d+");
        assertThat(url.header("RateLimit-Policy")).isEqualTo("\"upload\";q=5;w=60");

        HttpResponse<String> put = put(url.str("uploadUrl"), url.json().path("headers"), png);
        assertThat(put.statusCode()).as(put.body()).isBetween(200, 299);
        assertThat(stored(key, png.length)).isTrue();

        HttpResult done = complete(driver, key);
        assertThat(done.status()).as(done.text()).isEqualTo(202);
        assertThat(done.str("jobId")).hasSize(36);
        assertThat(done.json().has("queuePosition")).isTrue();
        assertThat(done.json().has("estimatedWaitSeconds")).isTrue();

        JsonNode n = awaitNotification(c, key);
        assertThat(n.path("type").asText()).isEqualTo("document.verified");
        assertThat(n.path("data").path("status").asText()).isEqualTo("verified");
        JsonNode doc = document(driver, key);
        assertThat(doc.path("status").asText()).isEqualTo("verified");
        assertThat(doc.path("reason").isNull()).isTrue();
        assertThat(doc.path("documentType").asText()).isEqualTo("licence");
        assertThat(doc.path("contentType").asText()).isEqualTo("image/png");
        assertThat(doc.path("size").asLong()).isEqualTo(png.length);
        assertThat(doc.path("jobId").asText()).isEqualTo(done.str("jobId"));
        assertThat(doc.path("id").asText()).isEqualTo(n.path("data").path("documentId").asText());
        assertThat(doc.path("sha256").asText()).isEqualTo(sha256(png));
        assertThat(doc.path("metadata").path("width").asInt()).isEqualTo(900);
        assertThat(doc.path("metadata").path("height").asInt()).isEqualTo(600);
        assertThat(doc.path("metadata").path("thumbnail").path("width").asInt()).isEqualTo(320);
        String thumb = doc.path("thumbnailKey").asText();
        assertThat(thumb).isEqualTo(key.replace("documents/", "thumbnails/").replace(".png", ".jpg"));
        assertThat(stored(thumb, doc.path("metadata").path("thumbnail").path("bytes").asLong())).isTrue();
        assertThat(doc.path("processedAt").isNull()).isFalse();

        HttpResult again = complete(driver, key);
        assertThat(again.status()).as(again.text()).isEqualTo(409);
        assertThat(again.errorCode()).isEqualTo("DOCUMENT_ALREADY_PROCESSED");
    }

    @Test
    void aTextFileClaimingToBeAPng_isRejected_withTheReason_andTheDriverIsTold() {
        Account driver = node().register("driver");
        SocketIoAgent.Client c = socket(driver);
        String key = uploadAndComplete(driver, "rc", "image/png", Samples.text()).path("key").asText();

        JsonNode n = awaitNotification(c, key);
        assertThat(n.path("type").asText()).isEqualTo("document.rejected");
        assertThat(n.path("body").asText()).contains("the file's content is text, not image/png");
        JsonNode doc = document(driver, key);
        assertThat(doc.path("status").asText()).isEqualTo("rejected");
        assertThat(doc.path("reason").asText()).isEqualTo("the file's content is text, not image/png as declared");
        assertThat(doc.path("thumbnailKey").isNull()).isTrue();
    }

    @Test
    void aPdf_isVerified_withItsPageCount() {
        Account driver = node().register("driver");
        SocketIoAgent.Client c = socket(driver);
        String key = uploadAndComplete(driver, "insurance", "application/pdf", Samples.pdf(2)).path("key").asText();

        assertThat(awaitNotification(c, key).path("type").asText()).isEqualTo("document.verified");
        JsonNode doc = document(driver, key);
        assertThat(doc.path("metadata").path("pageCount").asInt()).isEqualTo(2);
        assertThat(doc.path("metadata").path("version").asText()).isEqualTo("1.4");
    }

    @Test
    void completingAnotherUsersUpload_isForbidden() {
        Account owner = node().register("driver");
        Account other = node().register("driver");
        byte[] jpeg = Samples.image("jpeg", 400, 300);
        HttpResult url = uploadUrl(owner, "licence", "image/jpeg", jpeg.length);
        assertThat(put(url.str("uploadUrl"), url.json().path("headers"), jpeg).statusCode()).isBetween(200, 299);

        HttpResult r = complete(other, url.str("key"));

        assertThat(r.status()).as(r.text()).isEqualTo(403);
        assertThat(r.errorCode()).isEqualTo("FORBIDDEN");
        assertThat(node().api().get("/api/v1/documents", other.token()).json().path("items")).isEmpty();
    }

    @Test
    void completeBeforeTheUpload_isNotFound() {
        Account driver = node().register("driver");
        HttpResult url = uploadUrl(driver, "licence", "image/jpeg", 1000);

        HttpResult r = complete(driver, url.str("key"));

        assertThat(r.status()).as(r.text()).isEqualTo(404);
        assertThat(r.errorCode()).isEqualTo("UPLOAD_NOT_FOUND");
    }

    @Test
    void aTamperedUploadUrl_isRefused_andNothingCanBeCompleted() {
        Account driver = node().register("driver");
        byte[] png = Samples.image("png", 300, 300);
        HttpResult url = uploadUrl(driver, "licence", "image/png", png.length);
        String key = url.str("key");
        String otherKey = key.replace("/licence/", "/id/");

        HttpResponse<String> put = put(url.str("uploadUrl").replace(key, otherKey), url.json().path("headers"), png);

        assertThat(put.statusCode()).as(put.body()).isEqualTo(403);
        assertThat(complete(driver, otherKey).errorCode()).isEqualTo("UPLOAD_NOT_FOUND");
        assertThat(complete(driver, key).errorCode()).isEqualTo("UPLOAD_NOT_FOUND");
    }

    @Test
    void aBodyLargerThanAskedFor_isRefused_andNothingCanBeCompleted() {
        Account driver = node().register("driver");
        HttpResult url = uploadUrl(driver, "licence", "image/png", 10_000);

        try {
            HttpResponse<String> put = put(url.str("uploadUrl"), url.json().path("headers"), new byte[20_000]);
            assertThat(put.statusCode()).as(put.body()).isBetween(400, 499);
        } catch (IllegalStateException e) {
            if (!mayRefuseByClosing() || !(e.getCause() instanceof IOException)) {
                throw e;
            }
        }
        assertThat(complete(driver, url.str("key")).errorCode()).isEqualTo("UPLOAD_NOT_FOUND");
    }

    @Test
    void passengers_mayUploadAnId_butNotADriversDocument() {
        Account passenger = node().register("passenger");
        HttpResult licence = uploadUrl(passenger, "licence", "image/png", 1000);
        assertThat(licence.status()).as(licence.text()).isEqualTo(403);
        assertThat(uploadUrl(passenger, "id", "image/png", 1000).status()).isEqualTo(200);
    }

    @Test
    void uploadUrls_beyondThePerUserLimit_are429_withRetryAfter_andOtherUsersAreUnaffected() {
        Account driver = node().register("driver");
        for (int i = 0; i < 5; i++) {
            assertThat(uploadUrl(driver, "rc", "application/pdf", 1000).status()).isEqualTo(200);
        }
        HttpResult limited = uploadUrl(driver, "rc", "application/pdf", 1000);
        assertThat(limited.status()).as(limited.text()).isEqualTo(429);
        assertThat(limited.errorCode()).isEqualTo("RATE_LIMITED");
        assertThat(Integer.parseInt(limited.header("Retry-After"))).isBetween(1, 60);
        assertThat(limited.header("RateLimit")).startsWith("\"upload\";r=0;t=");
        assertThat(uploadUrl(node().register("driver"), "rc", "application/pdf", 1000).status()).isEqualTo(200);
    }

    @Test
    void health_reportsTheObjectStoreUp() {
        HttpResult h = node().api().get("/health", null);
        JsonNode uploads = h.json().path("checks").path("uploads");
        assertThat(uploads.path("status").asText()).as(h.text()).isEqualTo("UP");
        assertThat(uploads.path("backend").asText())
                .isEqualTo(node().node().config().uploads().store().name().toLowerCase(java.util.Locale.ROOT));
        assertThat(uploads.has("latencyMs")).isTrue();
    }

    @Test
    void admins_listADriversDocuments() {
        Account driver = node().register("driver");
        SocketIoAgent.Client c = socket(driver);
        String key = uploadAndComplete(driver, "licence", "application/pdf", Samples.pdf(1)).path("key").asText();
        awaitNotification(c, key);
        HttpResult login = node().api().post("/api/v1/auth/login", null,
                map("phone", ADMIN_PHONE, "password", ADMIN_PASSWORD));
        String admin = login.str("accessToken");

        HttpResult list = node().api().get("/api/v1/admin/drivers/" + driver.id() + "/documents?status=verified",
                admin);

        assertThat(list.status()).as(list.text()).isEqualTo(200);
        assertThat(list.json().path("items")).hasSize(1);
        assertThat(list.json().path("items").get(0).path("key").asText()).isEqualTo(key);
        assertThat(node().api().get("/api/v1/admin/drivers/" + driver.id() + "/documents", driver.token()).status())
                .isEqualTo(403);
    }
}
