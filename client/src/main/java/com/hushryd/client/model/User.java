package com.hushryd.client.model;

import java.time.Instant;

/** An account: {@code role} is passenger, driver or admin. */
public record User(String id, String phone, String name, String email, String role, Instant createdAt) {
}
