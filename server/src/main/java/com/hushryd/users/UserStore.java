package com.hushryd.users;

import com.hushryd.auth.Role;
import com.hushryd.store.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** SQL for users and their emergency contacts. Every method runs on the caller's connection. */
final class UserStore {
    static final String PHONE_UNIQUE = "users_phone_key";
    static final String EMAIL_UNIQUE = "users_email_key";
    /** The display name of a deleted account (shown where its trips, bookings and messages are listed). */
    static final String DELETED_NAME = "Deleted user";
    private static final String COLUMNS = "id, phone, name, email, role, created_at, updated_at";

    record Credentials(User user, String passwordHash) {
    }

    static void insert(Connection c, User u, String passwordHash) throws SQLException {
        Jdbc.update(c, "INSERT INTO users (id, phone, name, email, password_hash, role, created_at, updated_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                u.id(), u.phone(), u.name(), u.email(), passwordHash, u.role(), u.createdAt(), u.updatedAt());
    }

    /** An account that is not deleted. */
    static Optional<User> byId(Connection c, UUID id) throws SQLException {
        return Jdbc.one(c, "SELECT " + COLUMNS + " FROM users WHERE id = ? AND deleted_at IS NULL", UserStore::user,
                id);
    }

    /**
     * The user, with its row locked until the transaction ends: writers of the user's dependent rows (emergency
     * contacts) take it first so that concurrent replacements run one after the other.
     */
    static Optional<User> lockById(Connection c, UUID id) throws SQLException {
        return Jdbc.one(c, "SELECT " + COLUMNS + " FROM users WHERE id = ? FOR UPDATE", UserStore::user, id);
    }

    static Optional<Credentials> credentials(Connection c, String phone) throws SQLException {
        return Jdbc.one(c, "SELECT " + COLUMNS + ", password_hash FROM users WHERE phone = ? AND deleted_at IS NULL",
                rs -> new Credentials(user(rs), rs.getString("password_hash")), phone);
    }

    static Optional<User> update(Connection c, UUID id, String name, boolean setEmail, String email, Instant now)
            throws SQLException {
        return Jdbc.one(c, "UPDATE users SET name = COALESCE(?, name), "
                + "email = CASE WHEN ? THEN ? ELSE email END, updated_at = ? WHERE id = ? AND deleted_at IS NULL "
                + "RETURNING " + COLUMNS, UserStore::user, name, setEmail, email, now, id);
    }

    static Optional<String> passwordHash(Connection c, UUID id) throws SQLException {
        return Jdbc.one(c, "SELECT password_hash FROM users WHERE id = ? AND deleted_at IS NULL FOR UPDATE",
                rs -> rs.getString(1), id);
    }

    /** An account locked for an admin change, and how many active admins there are. */
    record Locked(User user, int activeAdmins) {
    }

    /**
     * Locks every active admin (in id order, so that concurrent role changes and deletions never deadlock) and then
     * the account {@code id}; empty when it is absent or deleted.
     */
    static Optional<Locked> lockForAdminChange(Connection c, UUID id) throws SQLException {
        List<UUID> admins = Jdbc.list(c, "SELECT id FROM users WHERE role = 'admin' AND deleted_at IS NULL "
                + "ORDER BY id FOR UPDATE", rs -> Jdbc.uuid(rs, "id"));
        return Jdbc.one(c, "SELECT " + COLUMNS + " FROM users WHERE id = ? AND deleted_at IS NULL FOR UPDATE",
                UserStore::user, id).map(u -> new Locked(u, admins.size()));
    }

    static User setRole(Connection c, UUID id, Role role, Instant now) throws SQLException {
        return Jdbc.one(c, "UPDATE users SET role = ?, updated_at = ? WHERE id = ? RETURNING " + COLUMNS,
                UserStore::user, role, now, id).orElseThrow();
    }

    /**
     * Marks the account deleted and erases its personal data (decision 0043): the phone becomes a placeholder that no
     * one can log in with or register (so the real phone is free again), the name a fixed text, the email and
     * emergency contacts are removed, and the password hash can match no password.
     */
    static void markDeleted(Connection c, UUID id, Instant now) throws SQLException {
        Jdbc.update(c, "UPDATE users SET deleted_at = ?, updated_at = ?, phone = 'deleted:' || id::text, "
                + "name = ?, email = NULL, password_hash = '!' WHERE id = ?", now, now, DELETED_NAME, id);
        Jdbc.update(c, "DELETE FROM emergency_contacts WHERE user_id = ?", id);
    }

    static void setPassword(Connection c, UUID id, String hash, Instant now) throws SQLException {
        Jdbc.update(c, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", hash, now, id);
    }

    static java.util.Map<UUID, String> names(Connection c, java.util.Collection<UUID> ids) throws SQLException {
        java.util.Map<UUID, String> out = new java.util.HashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT id, name FROM users WHERE id = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(Jdbc.uuid(rs, "id"), rs.getString("name"));
                }
            }
        }
        return out;
    }

    static List<EmergencyContact> contacts(Connection c, UUID userId) throws SQLException {
        return Jdbc.list(c, "SELECT name, phone, email, relationship FROM emergency_contacts "
                + "WHERE user_id = ? ORDER BY position",
                rs -> new EmergencyContact(rs.getString("name"), rs.getString("phone"), rs.getString("email"),
                        rs.getString("relationship")), userId);
    }

    static void replaceContacts(Connection c, UUID userId, List<EmergencyContact> contacts) throws SQLException {
        Jdbc.update(c, "DELETE FROM emergency_contacts WHERE user_id = ?", userId);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO emergency_contacts "
                + "(user_id, position, name, phone, email, relationship) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < contacts.size(); i++) {
                EmergencyContact ec = contacts.get(i);
                Jdbc.bind(ps, userId, (short) i, ec.name(), ec.phone(), ec.email(), ec.relationship());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static User user(ResultSet rs) throws SQLException {
        return new User(Jdbc.uuid(rs, "id"), rs.getString("phone"), rs.getString("name"), rs.getString("email"),
                Role.fromJson(rs.getString("role")), Jdbc.instant(rs, "created_at"), Jdbc.instant(rs, "updated_at"));
    }
}
