package com.hushryd.rooms;

import java.util.UUID;

/**
 * A realtime room, the one place room names are built: a user's sockets on every device, a trip's riders, a
 * conversation's two parties, the operators' SOS desk. Features name rooms with these factories and never by string.
 *
 * @param name the room's name on the wire and in the broker (e.g. {@code user:<uuid>})
 */
public record Room(String name) {
    /** Every admin socket: SOS alerts and their tracks for the operators' dashboards. */
    public static final Room SOS_ALERTS = new Room("sos:alerts");

    public Room {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a room needs a name");
        }
    }

    /** Every socket of one user (each device, each node). */
    public static Room user(UUID userId) {
        return new Room("user:" + userId);
    }

    /** The driver and confirmed passengers following a trip's live location. */
    public static Room trip(UUID tripId) {
        return new Room("trip:" + tripId);
    }

    /** The two parties of a conversation (one per booking). */
    public static Room conversation(UUID conversationId) {
        return new Room("conversation:" + conversationId);
    }

    /** The room of a name built earlier by one of the factories and stored (e.g. an alert's recipient). */
    public static Room named(String name) {
        return new Room(name);
    }

    /** The user of a user's room ({@link #user(UUID)}); empty for any other room. */
    public java.util.Optional<UUID> user() {
        if (!name.startsWith("user:")) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(UUID.fromString(name.substring("user:".length())));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
