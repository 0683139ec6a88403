package com.hushryd.store.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What every {@link ReadMarks} backend does; each backend's test supplies the instance. */
public abstract class ReadMarksContract {
    protected static final Duration TTL = Duration.ofSeconds(2);
    private ReadMarks marks;

    /** A new instance with {@link #TTL}; backends that share state give one sharing it with earlier ones. */
    protected abstract ReadMarks create();

    protected ReadMarks marks() {
        if (marks == null) {
            marks = create();
        }
        return marks;
    }

    @AfterEach
    void closeMarks() {
        if (marks != null) {
            marks.close();
        }
    }

    @Test
    void unknownUser_hasNoMark() {
        assertThat(marks().mark(UUID.randomUUID())).isEqualTo(ReadMarks.NONE);
    }

    @Test
    void remember_keepsTheGreaterMark_perUser() {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        marks().remember(a, 0x1_0000_2000L);
        marks().remember(a, 0x1_0000_1000L);
        marks().remember(b, 7);
        assertThat(marks().mark(a)).isEqualTo(0x1_0000_2000L);
        assertThat(marks().mark(b)).isEqualTo(7);
        marks().remember(a, 0x2_0000_0000L);
        assertThat(marks().mark(a)).isEqualTo(0x2_0000_0000L);
    }

    @Test
    void primaryOnlyMark_isKept() {
        UUID a = UUID.randomUUID();
        marks().remember(a, 10);
        marks().remember(a, ReadRouter.PRIMARY_ONLY);
        assertThat(marks().mark(a)).isEqualTo(ReadRouter.PRIMARY_ONLY);
    }

    @Test
    void mark_expiresAfterItsTtl() {
        UUID a = UUID.randomUUID();
        marks().remember(a, 42);
        assertThat(marks().mark(a)).isEqualTo(42);
        await().atMost(Duration.ofSeconds(30)).until(() -> marks().mark(a) == ReadMarks.NONE);
    }
}
