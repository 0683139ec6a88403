package com.hushryd.app;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Generated secrets are shared by every node on a database (decision 0046); a configured JWT_SECRET wins. */
class SharedSecretsIT {
    private static final String OTHER_SECRET = "another-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

    /** Settings of a node without JWT_SECRET (a blank value counts as unset) on {@code database}. */
    private static Map<String, String> generated(String database) {
        return Map.of("DATABASE_URL", database, "JWT_SECRET", "");
    }

    @Test
    void twoNodes_oneDatabase_noJwtSecret_acceptEachOthersTokensAndUploadUrls() throws Exception {
        String database = TestPostgres.get().newDatabase();
        try (TestNode a = TestNode.start(generated(database)); TestNode b = TestNode.start(generated(database))) {
            Account driver = a.register("driver");
            HttpResult me = b.api().get("/api/v1/me", driver.token());
            assertThat(me.status()).as(me.text()).isEqualTo(200);

            byte[] pdf = "%PDF-1.4 shared secret".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            HttpResult url = a.api().post("/api/v1/documents/upload-url", driver.token(),
                    map("documentType", "licence", "contentType", "application/pdf", "size", pdf.length));
            assertThat(url.status()).as(url.text()).isEqualTo(200);
            URI signedByA = URI.create(url.str("uploadUrl"));
            URI toB = URI.create(b.api().base() + signedByA.getRawPath() + "?" + signedByA.getRawQuery());
            HttpRequest.Builder put = HttpRequest.newBuilder(toB);
            url.json().path("headers").fields().forEachRemaining(h -> put.header(h.getKey(), h.getValue().asText()));
            HttpResponse<String> sent = HttpClient.newHttpClient().send(put.PUT(HttpRequest.BodyPublishers
                    .ofByteArray(pdf)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(sent.statusCode()).as("a URL signed by node a, checked by node b: %s", sent.body())
                    .isEqualTo(200);
        }
    }

    @Test
    void explicitJwtSecret_winsOverTheSharedOne() {
        String database = TestPostgres.get().newDatabase();
        try (TestNode shared = TestNode.start(generated(database));
                TestNode explicit = TestNode.start(Map.of("DATABASE_URL", database, "JWT_SECRET", OTHER_SECRET))) {
            Account onShared = shared.register("passenger");
            Account onExplicit = explicit.register("passenger");
            assertThat(explicit.api().get("/api/v1/me", onShared.token()).status()).isEqualTo(401);
            assertThat(shared.api().get("/api/v1/me", onExplicit.token()).status()).isEqualTo(401);
            assertThat(explicit.api().get("/api/v1/me", onExplicit.token()).status()).isEqualTo(200);
        }
    }

    @Test
    void secretAnEarlierVersionKeptInDataDir_becomesTheSharedOne() throws Exception {
        String database = TestPostgres.get().newDatabase();
        Path dataDir = TestNode.tempDir();
        Files.writeString(dataDir.resolve("jwt-secret"), OTHER_SECRET);
        Map<String, String> env = new HashMap<>(generated(database));
        env.put("DATA_DIR", dataDir.toString());
        try (TestNode upgraded = TestNode.start(env);
                TestNode withThatSecret = TestNode.start(Map.of("DATABASE_URL", database, "JWT_SECRET",
                        OTHER_SECRET))) {
            Account user = upgraded.register("passenger");
            assertThat(withThatSecret.api().get("/api/v1/me", user.token()).status()).isEqualTo(200);
        }
    }

    @Test
    void embeddedSingleNode_noJwtSecret_keepsItsSecretAcrossRestarts() {
        Map<String, String> env = TestNode.settings(Map.of("DATABASE_URL", "", "JWT_SECRET", ""));
        Account user;
        try (TestNode first = TestNode.restart(env)) {
            user = first.register("passenger");
        }
        try (TestNode again = TestNode.restart(env)) {
            HttpResult me = again.api().get("/api/v1/me", user.token());
            assertThat(me.status()).as(me.text()).isEqualTo(200);
        }
    }
}
