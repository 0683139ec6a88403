package com.hushryd.client.realtime;

import java.time.Instant;

/** {@code presence:update}: a participant of one of your conversations came online or went offline. */
public record Presence(String userId, boolean online, Instant lastSeen) {
}
