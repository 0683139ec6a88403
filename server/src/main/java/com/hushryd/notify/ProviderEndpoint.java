package com.hushryd.notify;

import java.net.URI;

/**
 * A notification vendor reached over HTTP: a JSON POST to {@code url} with {@code Authorization: Bearer key}.
 *
 * @param name how logs, metrics and the delivery record call it, e.g. {@code sms-primary}
 * @param key  null when the endpoint needs none
 */
public record ProviderEndpoint(String name, URI url, String key) {
    @Override
    public String toString() {
        return name + " " + url.getScheme() + "://" + url.getAuthority() + url.getPath() + (key == null ? "" : " (key set)");
    }
}
