package com.hushryd.notify;

import java.util.Map;
import java.util.UUID;

/**
 * One message to one recipient on one channel.
 *
 * @param to      phone number (SMS), email address (EMAIL), device token (PUSH) or user id (IN_APP)
 * @param userId  the user it is about or for, or null
 * @param subject email subject or push title; null for SMS
 * @param event   what happened, e.g. {@code sos.alert} (the socket event name for in-app delivery is
 *                {@code notification} with this as its type)
 * @param data    structured details for the app (in-app and push), or an empty map
 */
public record Notification(Channel channel, String to, UUID userId, String subject, String body, String event,
        Map<String, Object> data) {
    public Notification {
        data = data == null ? Map.of() : Map.copyOf(data);
        if (channel == null || to == null || to.isBlank() || body == null) {
            throw new IllegalArgumentException("a notification needs a channel, a recipient and a body");
        }
    }
}
