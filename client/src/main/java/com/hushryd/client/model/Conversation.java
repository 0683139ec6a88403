package com.hushryd.client.model;

/** A rider-driver conversation (one per booking); {@code open} while messages are accepted. */
public record Conversation(String id, String tripId, boolean open, String bookingStatus) {
}
