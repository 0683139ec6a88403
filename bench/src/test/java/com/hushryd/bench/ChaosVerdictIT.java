package com.hushryd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

/**
 * {@link ChaosVerdict} against a real PostgreSQL (the node's schema) and Redis: what it reports as lost, duplicated,
 * overbooked or behind is what the rows say, so a chaos run can fail.
 */
class ChaosVerdictIT {
    static Path dir;
    static EmbeddedPostgres pg;
    static RedisServer redis;
    static int redisPort;
    static String jdbc;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("chaos-verdict");
        int pgPort = OwnServers.freePort();
        pg = OwnServers.startPostgres(dir.resolve("pg"), pgPort);
        redisPort = OwnServers.freePort();
        redis = OwnServers.startRedis(redisPort);
        jdbc = "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres";
        Flyway.configure().dataSource(jdbc, "postgres", null).locations("classpath:db/migration").load().migrate();
    }

    @AfterAll
    static void stop() throws Exception {
        redis.stop();
        pg.close();
        OwnServers.deleteTree(dir.toFile());
    }

    @Test
    void verdict_missingDuplicatedOverbookedOrBehind_isCountedAsWrong_andFixedRowsPass() throws Exception {
        UUID driver = UUID.randomUUID();
        UUID passenger = UUID.randomUUID();
        UUID trip = UUID.randomUUID();
        UUID booking = UUID.randomUUID();
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", null); Statement st = c.createStatement()) {
            for (UUID u : List.of(driver, passenger)) {
                st.execute("INSERT INTO users (id, phone, name, password_hash, role) VALUES ('" + u + "', '+91"
                        + Math.abs(u.getLeastSignificantBits() % 1_000_000_000L) + "', 'x', 'x', 'passenger')");
            }
            st.execute("INSERT INTO trips (id, driver_id, source_city, source_city_key, source_lat, source_lng, "
                    + "destination_city, destination_city_key, destination_lat, destination_lng, departure_time, "
                    + "seats_total, seats_available, price_per_seat, status) VALUES ('" + trip + "', '" + driver
                    + "', 'A', 'a', 12.9, 77.5, 'B', 'b', 13.0, 77.6, now(), 2, 2, 100, 'active')");
            st.execute("INSERT INTO bookings (id, trip_id, passenger_id, seats, status) VALUES ('" + booking + "', '"
                    + trip + "', '" + passenger + "', 1, 'confirmed')");
            st.execute("INSERT INTO trip_locations (trip_id, driver_id, recorded_at, lat, lng) VALUES ('" + trip
                    + "', '" + driver + "', now(), 12.95, 77.55)");
        }
        Path acks = dir.resolve("acks.tsv");
        Files.writeString(acks, "trip\t" + trip + "\t2\n" + "booking\t" + booking + "\t" + trip + "\n"
                + "booking\t" + UUID.randomUUID() + "\t" + trip + "\n" + "chat\t" + booking + "\tnever-stored\n");
        ChaosVerdict verdict = new ChaosVerdict(acks);

        // one booking and the chat message were never stored; seats_available (2) disagrees with the 1 seat booked;
        // the route history has a point and Redis has no latest location
        Map<String, Long> wrong = wrongByCheck(verdict);
        assertThat(wrong).containsEntry("acknowledged trip lost or duplicated", 0L)
                .containsEntry("acknowledged booking lost or duplicated", 1L)
                .containsEntry("acknowledged chat lost or duplicated", 1L)
                .containsEntry("trips overbooked (seats booked > offered, or seats_available off)", 1L)
                .containsEntry("trips whose latest location in Redis is missing or older than PostgreSQL's route", 1L);

        try (Connection c = DriverManager.getConnection(jdbc, "postgres", null); Statement st = c.createStatement()) {
            st.execute("UPDATE trips SET seats_available = 1 WHERE id = '" + trip + "'");
        }
        RedisClient client = RedisClient.create("redis://127.0.0.1:" + redisPort);
        try (StatefulRedisConnection<String, String> r = client.connect()) {
            r.sync().hset("hushryd:rt:latest:{trip:" + trip + "}", "ts",
                    String.valueOf(System.currentTimeMillis() + 1000));
        } finally {
            client.shutdown();
        }
        Files.writeString(acks, "trip\t" + trip + "\t2\n" + "booking\t" + booking + "\t" + trip + "\n");
        assertThat(wrongByCheck(new ChaosVerdict(acks)).values()).allMatch(n -> n == 0L);
    }

    private static Map<String, Long> wrongByCheck(ChaosVerdict verdict) throws Exception {
        return verdict.evaluate(jdbc, redisPort).stream()
                .collect(Collectors.toMap(ChaosVerdict.Check::name, ChaosVerdict.Check::wrong));
    }
}
