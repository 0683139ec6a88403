package com.hushryd.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpHeaders;

/** A response as tests see it: status, headers, body text and (when JSON) the parsed body. */
public record HttpResult(int status, HttpHeaders headers, String text, JsonNode json) {
    public String header(String name) {
        return headers.firstValue(name).orElse(null);
    }

    /** The error code of an error response, or null. */
    public String errorCode() {
        return json == null || !json.has("error") ? null : json.path("error").path("code").asText();
    }

    public String errorField() {
        return json == null ? null : json.path("error").path("details").path("field").asText(null);
    }

    public String str(String field) {
        return json.path(field).asText();
    }

    @Override
    public String toString() {
        return status + " " + text;
    }
}
