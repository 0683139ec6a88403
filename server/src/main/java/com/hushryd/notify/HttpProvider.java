package com.hushryd.notify;

import com.hushryd.common.Json;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A vendor behind an HTTP API: POSTs {@code {channel,to,subject,body,event,data}} as JSON with the key as a bearer
 * token; any 2xx is a delivery, anything else (or no answer within the timeout) a failure. A deployment that speaks
 * a vendor's own format puts a small adapter at the URL (or replaces this class for that vendor).
 */
public final class HttpProvider implements Provider {
    private final ProviderEndpoint endpoint;
    private final Duration timeout;
    private final HttpClient http;

    public HttpProvider(ProviderEndpoint endpoint, Duration timeout) {
        this.endpoint = endpoint;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    @Override
    public String name() {
        return endpoint.name();
    }

    @Override
    public void send(Notification n) throws IOException, InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("channel", n.channel().label());
        body.put("to", n.to());
        body.put("subject", n.subject());
        body.put("body", n.body());
        body.put("event", n.event());
        body.put("data", n.data());
        HttpRequest.Builder req = HttpRequest.newBuilder(endpoint.url()).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)));
        if (endpoint.key() != null) {
            req.header("Authorization", "Bearer " + endpoint.key());
        }
        HttpResponse<String> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() / 100 != 2) {
            String text = resp.body() == null ? "" : resp.body();
            throw new IOException(endpoint.name() + " answered " + resp.statusCode() + ": "
                    + (text.length() > 200 ? text.substring(0, 200) : text));
        }
    }
}
