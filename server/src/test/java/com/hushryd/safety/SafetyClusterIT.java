package com.hushryd.safety;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.testing.HttpResult;
import com.hushryd.testing.NodeProcess;
import com.hushryd.testing.Sql;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestPostgres;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two nodes on one database: the node that watches a trip opens a check-in and is killed ({@code kill -9}) before its
 * deadline; the other node still raises the SOS at the deadline (never before it), and takes the trip's watch over.
 */
class SafetyClusterIT {
    static final Duration DEADLINE = Duration.ofSeconds(8);

    @Test
    void watchingNodeKilledDuringAnOpenCheckIn_theOtherNodeEscalatesAtTheDeadline_andTakesTheTripOver() {
        String database = TestPostgres.get().newDatabase();
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", database);
        env.put("SAFETY_STOP_AFTER", "3s");
        env.put("SAFETY_SILENCE_AFTER", "10m");
        env.put("SAFETY_CHECK_DEADLINE", DEADLINE.toSeconds() + "s");
        env.put("SAFETY_TICK", "250ms");
        env.put("SAFETY_LEASE", "3s");
        env.put("JOB_LEASE", "3s");
        try (NodeProcess a = NodeProcess.start("safety-a", env)) {
            Account driver = a.register("driver");
            Account passenger = a.register("passenger");
            String trip = a.createTrip(driver, "Bengaluru", "Mysuru", 1, 2, 300);
            assertThat(a.api().post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1))
                    .status()).isEqualTo(201);
            assertThat(a.api().post("/api/v1/trips/" + trip + "/start", driver.token(), "").status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(30)).until(() -> "safety-a".equals(owner(database, trip)));

            Map<String, String> envB = new HashMap<>(env);
            envB.put("NODE_ID", "safety-b");
            try (TestNode b = TestNode.start(envB)) {
                // the trip stops mid-route; node a holds its watch, so node a notices
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> {
                    HttpResult r = a.api().post("/api/v1/trips/" + trip + "/location", driver.token(),
                            map("lat", 12.63, "lng", 77.115, "speed", 0));
                    assertThat(r.status()).as(r.text()).isEqualTo(202);
                    return Sql.number(database, "SELECT count(*) FROM safety_checks WHERE trip_id = ?::uuid", trip) > 0;
                });
                Map<String, Object> check = Sql.rows(database, "SELECT c.id::text AS id, d.node FROM "
                        + "safety_checks c JOIN safety_detections d ON d.check_id = c.id WHERE c.trip_id = ?::uuid",
                        trip).get(0);
                assertThat(check.get("node")).isEqualTo("safety-a");
                a.kill9();

                await().atMost(Duration.ofSeconds(60)).until(() -> Sql.number(database,
                        "SELECT count(*) FROM sos_alerts WHERE user_id = ?::uuid", passenger.id()) == 1);
                Map<String, Object> alert = Sql.rows(database, "SELECT safety_check_id::text AS c "
                        + "FROM sos_alerts WHERE user_id = ?::uuid", passenger.id()).get(0);
                assertThat(alert.get("c")).isEqualTo(check.get("id"));
                long lateMs = Sql.number(database, "SELECT (extract(epoch FROM a.created_at - c.deadline) * 1000)::bigint "
                        + "FROM sos_alerts a JOIN safety_checks c ON c.id = a.safety_check_id WHERE a.user_id = ?::uuid",
                        passenger.id());
                assertThat(lateMs).as("never before the deadline").isGreaterThanOrEqualTo(0);
                System.out.println("SafetyClusterIT: SOS raised " + lateMs + " ms after the deadline by the surviving "
                        + "node");
                assertThat(Sql.rows(database, "SELECT status FROM safety_checks WHERE id = ?::uuid", check.get("id"))
                        .get(0).get("status")).isEqualTo("expired");
                // the dead node's lease ran out: the survivor evaluates the trip now
                await().atMost(Duration.ofSeconds(30)).until(() -> "safety-b".equals(owner(database, trip)));
            }
        }
    }

    private static String owner(String database, String trip) {
        List<Map<String, Object>> rows = Sql.rows(database, "SELECT owner FROM safety_watches WHERE trip_id = ?::uuid",
                trip);
        return rows.isEmpty() ? null : (String) rows.get(0).get("owner");
    }
}
