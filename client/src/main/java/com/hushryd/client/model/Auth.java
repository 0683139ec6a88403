package com.hushryd.client.model;

import java.time.Instant;

/** The answer of register and login: the user and an access token valid until {@code expiresAt}. */
public record Auth(User user, String accessToken, Instant expiresAt) {
}
