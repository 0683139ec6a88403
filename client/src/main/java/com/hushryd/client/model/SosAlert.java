package com.hushryd.client.model;

import java.time.Instant;

/** The answer to an SOS: persisted at {@code persistedAt}; {@code created} false for an alert already open. */
public record SosAlert(String alertId, String status, Instant persistedAt, boolean created, Instant escalateAt) {
}
