package com.hushryd.uploads;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.app.ConfigLoader;
import com.hushryd.app.Node;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Documents are processed by a separate worker process ({@code hushryd worker --queues document-processing}). */
class DocumentWorkerIT {
    @Test
    void aNodeWithoutWorkers_leavesProcessingToAWorkerOnTheDocumentQueue() throws Exception {
        try (TestNode api = TestNode.start(Map.of("WORKER_QUEUES", "none"))) {
            TestNode.Account driver = api.register("driver");
            byte[] jpeg = Samples.image("jpeg", 640, 480);
            HttpResult url = api.api().post("/api/v1/documents/upload-url", driver.token(),
                    map("documentType", "licence", "contentType", "image/jpeg", "size", jpeg.length));
            HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(url.str("uploadUrl")));
            url.json().path("headers").fields().forEachRemaining(h -> put.header(h.getKey(), h.getValue().asText()));
            HttpResponse<String> sent = HttpClient.newHttpClient().send(put.PUT(HttpRequest.BodyPublishers
                    .ofByteArray(jpeg)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
            HttpResult done = api.api().post("/api/v1/documents/" + URLEncoder.encode(url.str("key"),
                    StandardCharsets.UTF_8) + "/complete", driver.token(), map());
            assertThat(done.status()).as(done.text()).isEqualTo(202);
            assertThat(status(api, driver)).isEqualTo("pending");

            Map<String, String> env = new HashMap<>(api.settings());
            env.put("WORKER_QUEUES", "document-processing:2");
            try (Node worker = Node.startWorker(ConfigLoader.load(env))) {
                await().atMost(Duration.ofSeconds(30)).until(() -> "verified".equals(status(api, driver)));
            }
        }
    }

    private static String status(TestNode node, TestNode.Account user) {
        return node.api().get("/api/v1/documents", user.token()).json().path("items").get(0).path("status").asText();
    }
}
