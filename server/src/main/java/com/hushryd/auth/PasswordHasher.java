package com.hushryd.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;

/** bcrypt password hashing. CPU-heavy by design: call it from a worker thread, never an event loop. */
public final class PasswordHasher {
    /** bcrypt only reads the first 72 bytes of a password; longer ones are refused rather than truncated. */
    public static final int MAX_PASSWORD_BYTES = 72;

    private final int cost;
    private final String dummyHash;

    public PasswordHasher(int cost) {
        this.cost = cost;
        this.dummyHash = hash("not-a-real-password");
    }

    public String hash(String password) {
        return BCrypt.withDefaults().hashToString(cost, password.toCharArray());
    }

    public boolean verify(String password, String hash) {
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
            return false;
        }
        return BCrypt.verifyer().verify(password.toCharArray(), hash).verified;
    }

    /** Spends the same time as a real check, so that an unknown phone is not revealed by a faster answer. */
    public void verifyNothing(String password) {
        verify(password.length() > MAX_PASSWORD_BYTES ? "x" : password, dummyHash);
    }
}
