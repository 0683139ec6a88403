package com.hushryd.ops;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.app.ConfigLoader;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.Sql;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Retention and scheduled backups: the cluster's scheduled jobs on the ops queue (decision 0069). */
class OpsJobsIT {

    static long exec(String db, String dml, Object... args) {
        return Sql.number(db, "WITH w AS (" + dml + " RETURNING 1) SELECT count(*) FROM w", args);
    }

    @Test
    void retention_prunesOldHistory_keepsRecentRowsAndEverySosRecord() {
        try (TestNode node = TestNode.start(Map.of("RETENTION_INTERVAL", "1s", "RETENTION_ROUTE_POINTS", "1d",
                "RETENTION_CHAT", "1d", "RETENTION_JOBS", "1d", "RETENTION_NOTIFICATIONS", "1d"))) {
            String db = node.settings().get("DATABASE_URL");
            Account driver = node.register("driver");
            Account rider = node.register("passenger");
            String trip = node.createTrip(driver, "Agra", "Delhi", 1, 3, 200);
            String booking = node.api().post("/api/v1/trips/" + trip + "/bookings", rider.token(), map("seats", 1))
                    .str("id");
            HttpResult sos = node.api().post("/api/v1/sos", rider.token(), map("lat", 27.1, "lng", 78.0));
            assertThat(sos.status()).as(sos.text()).isEqualTo(201);
            String alert = sos.str("alertId");
            // an SOS from long ago, with its timeline: never pruned
            exec(db, "UPDATE sos_alerts SET created_at = now() - interval '400 days' WHERE id = ?::uuid", alert);
            exec(db, "UPDATE sos_timeline SET at = now() - interval '400 days' WHERE alert_id = ?::uuid", alert);
            for (String age : List.of("2 days", "1 hour")) {
                exec(db, "INSERT INTO trip_locations (trip_id, driver_id, recorded_at, lat, lng, received_at) VALUES "
                        + "(?::uuid, ?::uuid, now() - ?::interval, 27, 78, now() - ?::interval)", trip, driver.id(),
                        age, age);
                exec(db, "INSERT INTO chat_messages (id, conversation_id, sender_id, body, created_at) VALUES "
                        + "(?, ?::uuid, ?::uuid, ?, now() - ?::interval)", UUID.randomUUID(), booking, rider.id(),
                        "sent " + age + " ago", age);
                exec(db, "INSERT INTO jobs (id, queue, type, payload, priority, state, run_at, max_attempts, "
                        + "backoff_ms, timeout_ms, remove_on_complete, remove_on_fail, finished_at) VALUES (?, "
                        + "'retention-test', 'noop', '{}', 2, 'completed', now(), 1, 1, 1, 1000, 1000, "
                        + "now() - ?::interval)", UUID.randomUUID(), age);
                exec(db, "INSERT INTO notification_outbox (id, channel, recipient, body, created_at) VALUES "
                        + "(?, 'sms', '+910000000000', ?, now() - ?::interval)", UUID.randomUUID(), age, age);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> Sql.number(db,
                    "SELECT count(*) FROM chat_messages WHERE created_at < now() - interval '1 day'") == 0
                    && Sql.number(db, "SELECT count(*) FROM trip_locations WHERE received_at < now() - interval "
                            + "'1 day'") == 0
                    && Sql.number(db, "SELECT count(*) FROM jobs WHERE queue = 'retention-test' AND finished_at "
                            + "< now() - interval '1 day'") == 0
                    && Sql.number(db, "SELECT count(*) FROM notification_outbox WHERE created_at < now() - "
                            + "interval '1 day'") == 0);
            assertThat(Sql.number(db, "SELECT count(*) FROM trip_locations WHERE trip_id = ?::uuid", trip))
                    .isEqualTo(1);
            assertThat(Sql.number(db, "SELECT count(*) FROM chat_messages WHERE conversation_id = ?::uuid",
                    booking)).isEqualTo(1);
            assertThat(Sql.number(db, "SELECT count(*) FROM jobs WHERE queue = 'retention-test'")).isEqualTo(1);
            assertThat(Sql.number(db, "SELECT count(*) FROM sos_alerts WHERE id = ?::uuid", alert)).isEqualTo(1);
            assertThat(Sql.number(db, "SELECT count(*) FROM sos_timeline WHERE alert_id = ?::uuid", alert))
                    .isGreaterThanOrEqualTo(1);
            assertThat(node.api().get("/api/v1/sos/" + alert, rider.token()).status()).isEqualTo(200);
        }
    }

    @Test
    void scheduledBackup_twoNodesOnOneDatabase_eachSlotIsBackedUpOnce() throws Exception {
        Path to = TestNode.tempDir().resolve("backups");
        Map<String, String> first = new HashMap<>(Map.of("BACKUP_SCHEDULE", "1m", "BACKUP_TO", to.toString(),
                "RETENTION_INTERVAL", "2s"));
        try (TestNode a = TestNode.start(first)) {
            String db = a.settings().get("DATABASE_URL");
            Map<String, String> second = new HashMap<>(first);
            second.put("DATABASE_URL", db);
            try (TestNode b = TestNode.start(second)) {
                a.register("passenger");
                await().atMost(Duration.ofSeconds(90)).until(() -> completeBackups(to).size() >= 1);
                // both nodes tick every second: over several ticks, never two jobs for one slot
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() ->
                        Sql.number(db, "SELECT count(*) FROM jobs WHERE queue = 'ops' AND type = 'backup'")
                                == Sql.number(db, "SELECT count(*) FROM ops_schedule_runs WHERE task = 'backup'"));
                long slots = Sql.number(db, "SELECT count(*) FROM ops_schedule_runs WHERE task = 'backup'");
                long jobs = Sql.number(db, "SELECT count(*) FROM jobs WHERE queue = 'ops' AND type = 'backup'");
                assertThat(jobs).isEqualTo(slots);
                assertThat(Sql.number(db, "SELECT count(DISTINCT node_id) FROM ops_schedule_runs")).isBetween(1L, 2L);
                await().atMost(Duration.ofSeconds(60)).until(() -> completeBackups(to).size() == slots);
                assertThat(Files.readString(completeBackups(to).get(0).resolve("manifest.json")))
                        .contains("\"users\"");
            }
        }
    }

    @Test
    void backupJobRunTwiceForOneSlot_keepsTheCompleteBackup_andRedoesAHalfOne() throws Exception {
        Path to = TestNode.tempDir().resolve("backups");
        try (TestNode node = TestNode.start(Map.of("BACKUP_SCHEDULE", "daily", "BACKUP_TO", to.toString()))) {
            OpsJobs ops = new OpsJobs(node.node().database(), node.node().config().ops(), "test",
                    () -> com.hushryd.store.DatabaseUrl.parse(node.settings().get("DATABASE_URL")),
                    Path.of(node.settings().get("DATA_DIR")), "test");
            com.hushryd.jobs.JobHandlers handlers = new com.hushryd.jobs.JobHandlers();
            ops.register(handlers);
            com.hushryd.jobs.JobContext job = new com.hushryd.jobs.JobContext(UUID.randomUUID(), OpsJobs.QUEUE,
                    "backup", "{\"slot\":\"2030-01-01T00:00:00Z\"}", 1, 2, "test");
            handlers.get("backup").orElseThrow().handle(job);
            Path dir = to.resolve("hushryd-20300101T0000Z");
            Path manifest = dir.resolve("manifest.json");
            assertThat(manifest).exists();
            String first = Files.readString(manifest);
            handlers.get("backup").orElseThrow().handle(job);
            assertThat(Files.readString(manifest)).as("a complete backup is left as it is").isEqualTo(first);
            Files.delete(manifest); // as if an attempt died before writing it
            Files.writeString(dir.resolve("db/users.copy.gz"), "half");
            handlers.get("backup").orElseThrow().handle(job);
            // verify checks every file against its checksum: the half-written one was replaced
            assertThat(com.hushryd.ops.backup.Backup.verify(dir).rows("users")).isEqualTo(
                    Sql.number(node.settings().get("DATABASE_URL"), "SELECT count(*) FROM users"));
        }
    }

    static List<Path> completeBackups(Path to) throws Exception {
        if (!Files.exists(to)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(to)) {
            return dirs.filter(d -> Files.exists(d.resolve("manifest.json"))).sorted().toList();
        }
    }

    @Test
    void backupScheduleWithoutATarget_failsStartNamingTheVariable() {
        Map<String, String> env = new HashMap<>(TestNode.settings(Map.of("BACKUP_SCHEDULE", "daily")));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigLoader.load(env))
                .hasMessageStartingWith("BACKUP_TO");
        env.put("BACKUP_SCHEDULE", "sometimes");
        env.put("BACKUP_TO", "/tmp/x");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigLoader.load(env))
                .hasMessageStartingWith("BACKUP_SCHEDULE");
    }
}
