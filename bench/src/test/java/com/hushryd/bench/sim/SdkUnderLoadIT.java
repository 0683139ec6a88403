package com.hushryd.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hushryd.client.HushRydClient;
import com.hushryd.client.model.Booking;
import com.hushryd.client.model.Place;
import com.hushryd.client.model.SosRequest;
import com.hushryd.client.model.Trip;
import com.hushryd.client.model.TripInput;
import com.hushryd.client.offline.OfflineQueue;
import com.hushryd.testing.Sql;
import com.hushryd.testing.TcpProxy;
import com.hushryd.testing.TestNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The SDK under load: {@code hushryd sim} runs a small city against a node while SDK riders, through a proxy that
 * loses answers, book, chat and raise SOS through the offline queue. Everything the SDK was asked to do happens
 * exactly once (PostgreSQL), the simulator counts no error, and the SDK's latencies are printed (not asserted).
 */
class SdkUnderLoadIT {
    private static final int RIDERS = 8;

    @Test
    void simulatedCity_plusSdkRidersLosingAnswers_everyActionOnce_noSimulatorError() throws Exception {
        try (TestNode node = TestNode.start(); TcpProxy proxy = new TcpProxy("127.0.0.1", node.node().port())) {
            String db = node.settings().get("DATABASE_URL");
            Path report = Files.createTempFile("sim-report", ".json");
            CompletableFuture<Integer> sim = CompletableFuture.supplyAsync(() -> {
                CommandLine cmd = SimMain.commandLine();
                cmd.setOut(new PrintWriter(new StringWriter()));
                cmd.setErr(new PrintWriter(new StringWriter()));
                return cmd.execute("--url", "http://127.0.0.1:" + node.node().port(), "--drivers", "10",
                        "--passengers", "40", "--duration", "12s", "--ramp", "2s", "--location-interval", "500ms",
                        "--chat-interval", "1s", "--sos-rate", "30", "--drain", "10s", "--report-json",
                        report.toString());
            });

            String base = "http://127.0.0.1:" + proxy.port();
            List<Long> bookMillis = Collections.synchronizedList(new ArrayList<>());
            List<Long> queueMillis = Collections.synchronizedList(new ArrayList<>());
            try (HushRydClient driver = HushRydClient.builder(base).build()) {
                driver.register(TestNode.uniquePhone(), "SDK driver", "password-123", "driver");
                Trip trip = driver.createTrip(new TripInput(new Place("Shimla", 31.1, 77.17),
                        new Place("Manali", 32.24, 77.19), OffsetDateTime.now(ZoneOffset.UTC).plusDays(1).toString(),
                        RIDERS, new BigDecimal("900")));
                List<HushRydClient> riders = new ArrayList<>();
                List<String> bookings = new CopyOnWriteArrayList<>();
                try {
                    for (int i = 0; i < RIDERS; i++) {
                        HushRydClient rider = HushRydClient.builder(base)
                                .journal(Files.createTempDirectory("sdk-load").resolve("q"))
                                .queueLimits(new OfflineQueue.Limits(100, Duration.ofMillis(500))).build();
                        riders.add(rider);
                        rider.register(TestNode.uniquePhone(), "SDK rider " + i, "password-123", "passenger");
                    }
                    proxy.dropResponses(RIDERS); // answers lost while the city is busy: retried with their keys
                    List<CompletableFuture<Void>> work = new ArrayList<>();
                    for (HushRydClient rider : riders) {
                        work.add(CompletableFuture.runAsync(() -> {
                            long t0 = System.nanoTime();
                            Booking b = rider.book(trip.id(), 1);
                            bookMillis.add((System.nanoTime() - t0) / 1_000_000);
                            bookings.add(b.id());
                            long t1 = System.nanoTime();
                            rider.offlineQueue().sendMessage(b.id(), "first");
                            rider.offlineQueue().sos(new SosRequest(trip.id(), 31.2, 77.2, null, "load"));
                            rider.offlineQueue().sendMessage(b.id(), "second");
                            await().atMost(Duration.ofSeconds(60)).until(() ->
                                    rider.offlineQueue().pending().isEmpty());
                            queueMillis.add((System.nanoTime() - t1) / 1_000_000);
                        }));
                    }
                    CompletableFuture.allOf(work.toArray(CompletableFuture[]::new)).join();
                } finally {
                    riders.forEach(HushRydClient::close);
                }
                assertThat(Sql.number(db, "SELECT count(*) FROM bookings WHERE trip_id = ?::uuid", trip.id()))
                        .isEqualTo(RIDERS);
                for (String booking : bookings) {
                    assertThat(Sql.rows(db, "SELECT body FROM chat_messages WHERE conversation_id = ?::uuid "
                            + "ORDER BY id", booking)).extracting(r -> r.get("body")).containsExactly("first",
                                    "second");
                }
                assertThat(Sql.number(db, "SELECT count(*) FROM sos_alerts a JOIN bookings b ON b.passenger_id = "
                        + "a.user_id WHERE b.trip_id = ?::uuid", trip.id())).isEqualTo(RIDERS);
            }
            int code = sim.join();
            JsonNode ops = new ObjectMapper().readTree(report.toFile()).path("operations");
            long errors = 0;
            for (JsonNode o : ops) {
                errors += o.path("errors").asLong();
            }
            assertThat(errors).as("simulator errors, exit %d", code).isZero();
            Collections.sort(bookMillis);
            Collections.sort(queueMillis);
            System.out.printf("SdkUnderLoadIT: %d riders beside a 50-user simulated city, %d answers lost; "
                    + "book (with retries) p50 %d ms max %d ms; queue of 3 actions drained p50 %d ms max %d ms; "
                    + "load average %.2f%n", RIDERS, RIDERS, bookMillis.get(bookMillis.size() / 2),
                    bookMillis.get(bookMillis.size() - 1), queueMillis.get(queueMillis.size() / 2),
                    queueMillis.get(queueMillis.size() - 1),
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}
