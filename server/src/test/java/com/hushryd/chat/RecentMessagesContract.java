package com.hushryd.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link RecentMessages} must do: newest first, bounded, never missing a committed message. */
public abstract class RecentMessagesContract {
    protected RecentMessages cache;

    protected abstract RecentMessages create();

    @BeforeEach
    void open() {
        cache = create();
    }

    private static Message message(UUID conversation, int n) {
        return new Message(UUID.randomUUID(), conversation, UUID.randomUUID(), "m" + n,
                Instant.parse("2026-01-01T00:00:00Z").plus(n, ChronoUnit.SECONDS), null);
    }

    @Test
    void fill_thenAppend_servesNewestFirst() {
        UUID c = UUID.randomUUID();
        assertThat(cache.get(c)).isEmpty();
        long v = cache.version(c);
        cache.fill(c, v, List.of(message(c, 2), message(c, 1)));
        cache.appended(message(c, 3));
        assertThat(cache.get(c).orElseThrow()).extracting(Message::text).containsExactly("m3", "m2", "m1");
    }

    @Test
    void fill_afterAConcurrentAppend_isDropped_soTheAppendIsNeverLost() {
        UUID c = UUID.randomUUID();
        long before = cache.version(c);
        // a reader noted the version and read the database without m2; meanwhile m2 was committed
        cache.appended(message(c, 2));
        cache.fill(c, before, List.of(message(c, 1)));
        assertThat(cache.get(c)).as("stale fill refused").isEmpty();
        long now = cache.version(c);
        cache.fill(c, now, List.of(message(c, 2), message(c, 1)));
        assertThat(cache.get(c).orElseThrow()).extracting(Message::text).containsExactly("m2", "m1");
    }

    @Test
    void cache_keepsOnlyTheNewestFifty() {
        UUID c = UUID.randomUUID();
        List<Message> newestFirst = new ArrayList<>();
        for (int i = 60; i >= 1; i--) {
            newestFirst.add(message(c, i));
        }
        cache.fill(c, cache.version(c), newestFirst);
        assertThat(cache.get(c).orElseThrow()).hasSize(RecentMessages.SIZE);
        for (int i = 61; i <= 70; i++) {
            cache.appended(message(c, i));
        }
        List<Message> cached = cache.get(c).orElseThrow();
        assertThat(cached).hasSize(RecentMessages.SIZE);
        assertThat(cached.get(0).text()).isEqualTo("m70");
        assertThat(cached.get(49).text()).isEqualTo("m21");
    }

    @Test
    void cachedMessages_roundTripEveryField() {
        UUID c = UUID.randomUUID();
        Message m = new Message(UUID.randomUUID(), c, UUID.randomUUID(), "नमस्ते 👋", Instant.parse(
                "2026-05-01T10:15:30.123456Z"), "client-7");
        cache.fill(c, cache.version(c), List.of(m));
        assertThat(cache.get(c).orElseThrow()).containsExactly(m);
    }
}
