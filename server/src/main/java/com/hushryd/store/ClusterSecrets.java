package com.hushryd.store;

import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;

/**
 * Named secrets kept in the database, so that every node sharing it signs and checks with the same one: the first
 * node to ask writes its candidate ({@code INSERT ... ON CONFLICT DO NOTHING}), every node, that one included, gets
 * the value that was stored first. Decision 0046.
 */
public final class ClusterSecrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Database database;

    public ClusterSecrets(Database database) {
        this.database = database;
    }

    /** The secret stored under {@code name}; {@code candidate} (at least 32 characters) becomes it if none is. */
    public String getOrStore(String name, String candidate) throws SQLException {
        if (candidate.length() < 32) {
            throw new IllegalArgumentException("a secret needs at least 32 characters");
        }
        return database.tx(c -> {
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO cluster_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")) {
                insert.setString(1, name);
                insert.setString(2, candidate);
                insert.executeUpdate();
            }
            // read committed: this statement sees the row of a concurrent first writer once it committed
            try (PreparedStatement select = c.prepareStatement("SELECT value FROM cluster_secrets WHERE name = ?")) {
                select.setString(1, name);
                try (ResultSet rs = select.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
    }

    /** A new random secret: 48 random bytes, base64url (64 characters). */
    public static String random() {
        byte[] raw = new byte[48];
        RANDOM.nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }
}
