package com.hushryd.sos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SosJournalTest {
    @TempDir
    Path dir;

    private static SosJournal.Entry entry(UUID user) {
        Instant at = Instant.parse("2026-12-05T07:00:00Z");
        return new SosJournal.Entry(UUID.randomUUID(), user, false, null, 12.97, 77.59, 5.0, "help", "key-1", at,
                at.plusSeconds(120));
    }

    @Test
    void appendedAlerts_areReadBackAfterReopen_untilStored() throws IOException {
        SosJournal.Entry a = entry(UUID.randomUUID());
        SosJournal.Entry b = entry(UUID.randomUUID());
        try (SosJournal j = SosJournal.open(dir)) {
            j.append(a);
            j.append(b);
            j.stored(a.id());
        }
        try (SosJournal j = SosJournal.open(dir)) {
            assertThat(j.pending()).containsExactly(b);
            assertThat(j.pendingOf(b.userId())).contains(b);
            j.stored(b.id());
            assertThat(j.isEmpty()).isTrue();
        }
        assertThat(Files.size(dir.resolve("journal.log"))).as("emptied once nothing is pending").isZero();
        try (SosJournal j = SosJournal.open(dir)) {
            assertThat(j.pending()).isEmpty();
        }
    }

    @Test
    void tornLastRecord_isDropped_andCorruptRecordsSkipped_othersKept() throws IOException {
        SosJournal.Entry a = entry(UUID.randomUUID());
        SosJournal.Entry b = entry(UUID.randomUUID());
        try (SosJournal j = SosJournal.open(dir)) {
            j.append(a);
            j.append(b);
        }
        Path file = dir.resolve("journal.log");
        String text = Files.readString(file);
        // flip one character of the first record's JSON: its checksum no longer matches
        int at = text.indexOf("help");
        Files.writeString(file, text.substring(0, at) + "hElp" + text.substring(at + 4));
        Files.write(file, "0000abcd {\"op\":\"alert\",\"al".getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.APPEND);
        try (SosJournal j = SosJournal.open(dir)) {
            assertThat(j.pending()).containsExactly(b);
            SosJournal.Entry c = entry(UUID.randomUUID());
            j.append(c);
        }
        try (SosJournal j = SosJournal.open(dir)) {
            assertThat(j.pending()).hasSize(2).last().matches(e -> e.message().equals("help"));
        }
    }

    @Test
    void secondOpenOfTheSameJournal_isRefused() throws IOException {
        try (SosJournal j = SosJournal.open(dir)) {
            assertThatThrownBy(() -> SosJournal.open(dir)).isInstanceOf(IOException.class)
                    .hasMessageContaining("in use");
        }
    }
}
