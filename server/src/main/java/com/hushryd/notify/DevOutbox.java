package com.hushryd.notify;

import com.hushryd.rooms.Room;
import com.hushryd.rooms.RoomEvents;
import com.hushryd.common.Json;
import com.hushryd.store.Database;
import com.hushryd.store.Ids;
import com.hushryd.store.Jdbc;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The development outbox: the provider of every channel that has none configured. It logs each message and keeps it
 * in {@code notification_outbox}, where {@code GET /api/v1/admin/outbox} shows it; nothing leaves the machine.
 */
public final class DevOutbox implements Provider, RoomEvents {
    private static final Logger log = LoggerFactory.getLogger(DevOutbox.class);

    private final Database db;

    public DevOutbox(Database db) {
        this.db = db;
    }

    /** A stored message. */
    public record Message(UUID id, String channel, String recipient, String subject, String body,
            @com.fasterxml.jackson.annotation.JsonRawValue String data, Instant createdAt) {
    }

    @Override
    public String name() {
        return "dev-outbox";
    }

    @Override
    public void send(Notification n) throws SQLException {
        store(n.channel().label(), n.to(), n.subject(), n.body(), n.data());
    }

    @Override
    public void emit(Room room, String event, Object payload) throws SQLException {
        store(Channel.IN_APP.label(), room.user().map(UUID::toString).orElse(room.name()), event, event, payload);
    }

    private void store(String channel, String to, String subject, String body, Object data) throws SQLException {
        UUID id = Ids.newId();
        db.read(c -> Jdbc.update(c, "INSERT INTO notification_outbox (id, channel, recipient, subject, body, data) "
                + "VALUES (?, ?, ?, ?, ?, ?::jsonb)", id, channel, to, subject, body,
                new String(Json.bytes(data), java.nio.charset.StandardCharsets.UTF_8)));
        log.info("outbox {} to {}: {}{}", channel, to, subject == null ? "" : "[" + subject + "] ", body);
    }

    /** The latest messages, newest first, optionally of one channel. */
    public List<Message> latest(String channel, int limit) throws SQLException {
        return db.read(c -> Jdbc.list(c, "SELECT id, channel, recipient, subject, body, data::text AS data, "
                + "created_at FROM notification_outbox WHERE (?::text IS NULL OR channel = ?) "
                + "ORDER BY created_at DESC, id DESC LIMIT ?", rs -> new Message(Jdbc.uuid(rs, "id"),
                        rs.getString("channel"), rs.getString("recipient"), rs.getString("subject"),
                        rs.getString("body"), rs.getString("data"), Jdbc.instant(rs, "created_at")),
                channel, channel, limit));
    }
}
