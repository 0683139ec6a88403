package com.hushryd.users;

import com.hushryd.auth.Role;
import java.time.Instant;
import java.util.UUID;

/** A registered account. */
public record User(UUID id, String phone, String name, String email, Role role, Instant createdAt,
        Instant updatedAt) {
}
