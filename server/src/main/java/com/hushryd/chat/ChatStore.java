package com.hushryd.chat;

import com.hushryd.store.Jdbc;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** SQL of conversations (bookings seen as chats) and their messages. */
final class ChatStore {
    private static final String MESSAGE_COLUMNS = "id, conversation_id, sender_id, body, client_message_id, created_at";
    private static final String OPEN = "b.status = 'confirmed' AND t.status IN ('scheduled', 'active')";

    /** Who takes part in a conversation and whether it is still open for new messages. */
    record Participants(UUID conversationId, UUID tripId, UUID passengerId, UUID driverId, boolean open) {
        boolean includes(UUID userId) {
            return passengerId.equals(userId) || driverId.equals(userId);
        }

        UUID other(UUID userId) {
            return passengerId.equals(userId) ? driverId : passengerId;
        }
    }

    /** A row of the conversation list. */
    record ConversationRow(UUID id, UUID tripId, String bookingStatus, String tripStatus, String from, String to,
            Instant departureTime, UUID passengerId, String passengerName, UUID driverId, String driverName,
            Message lastMessage, Instant createdAt) {
    }

    static Optional<Participants> participants(Connection c, UUID conversationId) throws SQLException {
        return Jdbc.one(c, "SELECT b.id, b.trip_id, b.passenger_id, t.driver_id, (" + OPEN + ") AS open "
                + "FROM bookings b JOIN trips t ON t.id = b.trip_id WHERE b.id = ?",
                rs -> new Participants(Jdbc.uuid(rs, "id"), Jdbc.uuid(rs, "trip_id"), Jdbc.uuid(rs, "passenger_id"),
                        Jdbc.uuid(rs, "driver_id"), rs.getBoolean("open")), conversationId);
    }

    /**
     * Stores a message if the sender takes part and the conversation is open; a repeated client message id stores
     * nothing. Returns the stored message, or empty.
     */
    static Optional<Message> insert(Connection c, Message m) throws SQLException {
        return Jdbc.one(c, "INSERT INTO chat_messages (id, conversation_id, sender_id, body, client_message_id, "
                + "created_at) SELECT ?, b.id, ?, ?, ?, ? FROM bookings b JOIN trips t ON t.id = b.trip_id "
                + "WHERE b.id = ? AND (b.passenger_id = ? OR t.driver_id = ?) AND " + OPEN
                + " ON CONFLICT (conversation_id, sender_id, client_message_id) WHERE client_message_id IS NOT NULL "
                + "DO NOTHING RETURNING " + MESSAGE_COLUMNS, ChatStore::message,
                m.id(), m.senderId(), m.text(), m.clientMessageId(), m.createdAt(), m.conversationId(), m.senderId(),
                m.senderId());
    }

    static Optional<Message> byClientId(Connection c, UUID conversationId, UUID senderId, String clientMessageId)
            throws SQLException {
        return Jdbc.one(c, "SELECT " + MESSAGE_COLUMNS + " FROM chat_messages WHERE conversation_id = ? "
                + "AND sender_id = ? AND client_message_id = ?", ChatStore::message, conversationId, senderId,
                clientMessageId);
    }

    static List<Message> history(Connection c, UUID conversationId, UUID before, int limit) throws SQLException {
        return before == null
                ? Jdbc.list(c, "SELECT " + MESSAGE_COLUMNS + " FROM chat_messages WHERE conversation_id = ? "
                        + "ORDER BY id DESC LIMIT ?", ChatStore::message, conversationId, limit)
                : Jdbc.list(c, "SELECT " + MESSAGE_COLUMNS + " FROM chat_messages WHERE conversation_id = ? "
                        + "AND id < ? ORDER BY id DESC LIMIT ?", ChatStore::message, conversationId, before, limit);
    }

    /** Conversations of a user (as passenger or as driver), newest booking first. */
    static List<ConversationRow> conversations(Connection c, UUID userId, boolean asDriver, Instant afterTime,
            UUID afterId, int limit) throws SQLException {
        String who = asDriver ? "t.driver_id = ?" : "b.passenger_id = ?";
        String keyset = afterTime == null ? "" : " AND (b.created_at, b.id) < (?, ?)";
        Object[] params = afterTime == null ? new Object[] {userId, limit}
                : new Object[] {userId, afterTime, afterId, limit};
        return Jdbc.list(c, "SELECT b.id, b.trip_id, b.status AS booking_status, t.status AS trip_status, "
                + "t.source_city, t.destination_city, t.departure_time, b.passenger_id, p.name AS passenger_name, "
                + "t.driver_id, d.name AS driver_name, b.created_at, m.id AS m_id, m.sender_id AS m_sender, "
                + "m.body AS m_body, m.client_message_id AS m_client, m.created_at AS m_created "
                + "FROM bookings b JOIN trips t ON t.id = b.trip_id JOIN users p ON p.id = b.passenger_id "
                + "JOIN users d ON d.id = t.driver_id LEFT JOIN LATERAL (SELECT * FROM chat_messages cm "
                + "WHERE cm.conversation_id = b.id ORDER BY cm.id DESC LIMIT 1) m ON TRUE WHERE " + who + keyset
                + " ORDER BY b.created_at DESC, b.id DESC LIMIT ?", rs -> {
                    UUID id = Jdbc.uuid(rs, "id");
                    UUID mId = Jdbc.uuid(rs, "m_id");
                    Message last = mId == null ? null : new Message(mId, id, Jdbc.uuid(rs, "m_sender"),
                            rs.getString("m_body"), Jdbc.instant(rs, "m_created"), rs.getString("m_client"));
                    return new ConversationRow(id, Jdbc.uuid(rs, "trip_id"), rs.getString("booking_status"),
                            rs.getString("trip_status"), rs.getString("source_city"),
                            rs.getString("destination_city"), Jdbc.instant(rs, "departure_time"),
                            Jdbc.uuid(rs, "passenger_id"), rs.getString("passenger_name"), Jdbc.uuid(rs, "driver_id"),
                            rs.getString("driver_name"), last, Jdbc.instant(rs, "created_at"));
                }, params);
    }

    /** Ids of the user's open conversations (their sockets join these rooms). */
    static List<UUID> openConversationIds(Connection c, UUID userId, int limit) throws SQLException {
        return Jdbc.list(c, "SELECT b.id FROM bookings b JOIN trips t ON t.id = b.trip_id "
                + "WHERE (b.passenger_id = ? OR t.driver_id = ?) AND " + OPEN
                + " ORDER BY b.created_at DESC LIMIT ?", rs -> Jdbc.uuid(rs, "id"), userId, userId, limit);
    }

    private static Message message(ResultSet rs) throws SQLException {
        return new Message(Jdbc.uuid(rs, "id"), Jdbc.uuid(rs, "conversation_id"), Jdbc.uuid(rs, "sender_id"),
                rs.getString("body"), Jdbc.instant(rs, "created_at"), rs.getString("client_message_id"));
    }
}
