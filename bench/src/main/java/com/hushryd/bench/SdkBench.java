package com.hushryd.bench;

import com.hushryd.client.HushRydClient;
import com.hushryd.client.model.Booking;
import com.hushryd.client.model.Place;
import com.hushryd.client.model.Trip;
import com.hushryd.client.model.TripInput;
import com.hushryd.client.offline.OfflineQueue;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;

/**
 * The client SDK against a node ({@code bench/sdk.sh}): (1) queueing critical actions offline, each appended to the
 * journal and fsync'd before the call returns (latency per action, actions/s); (2) a new client on that journal
 * draining it to the node in order, each with its key (actions/s); (3) the node's cost of an Idempotency-Key: trip
 * creation with and without one, alternated (p50/p99). Prints numbers; asserts nothing but that the queue delivered
 * every action.
 */
public final class SdkBench {
    private SdkBench() {
    }

    public static void main(String[] args) throws Exception {
        String base = args.length > 0 ? args[0] : "http://127.0.0.1:8080";
        int actions = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        int creates = args.length > 2 ? Integer.parseInt(args[2]) : 400;
        Path journal = Files.createTempDirectory("sdk-bench").resolve("queue.journal");
        String phone = "+9171" + String.format("%08d", Math.floorMod(UUID.randomUUID().getLeastSignificantBits(),
                100_000_000L));
        String riderPhone = "+9172" + phone.substring(5);

        try (HushRydClient driver = HushRydClient.builder(base).build();
                HushRydClient rider = HushRydClient.builder(base).build()) {
            driver.register(phone, "Bench driver", "bench-pass-1", "driver");
            rider.register(riderPhone, "Bench rider", "bench-pass-1", "passenger");
            Trip trip = driver.createTrip(trip(0));
            Booking booking = rider.book(trip.id(), 1);

            // (1) offline: the queue's network is a port nobody listens on
            Histogram enqueue = new Histogram(3);
            try (HushRydClient offline = HushRydClient.builder("http://127.0.0.1:9").journal(journal)
                    .queueLimits(new OfflineQueue.Limits(actions + 1, Duration.ofSeconds(30))).build()) {
                offline.useToken(rider.token(), rider.userId());
                long t0 = System.nanoTime();
                for (int i = 0; i < actions; i++) {
                    long s = System.nanoTime();
                    offline.offlineQueue().sendMessage(booking.id(), "queued message " + i);
                    enqueue.recordValue((System.nanoTime() - s) / 1000);
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                System.out.printf("sdk enqueue: %d actions, %.0f actions/s, fsync'd append p50 %.2f ms p99 %.2f ms "
                        + "max %.2f ms%n", actions, actions / secs, enqueue.getValueAtPercentile(50) / 1000.0,
                        enqueue.getValueAtPercentile(99) / 1000.0, enqueue.getMaxValue() / 1000.0);
            }

            // (2) back online: a new client on the same journal drains it in order
            AtomicInteger delivered = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            long t0 = System.nanoTime();
            try (HushRydClient online = HushRydClient.builder(base).journal(journal).build()) {
                online.offlineQueue().onDelivered((a, r) -> delivered.incrementAndGet());
                online.offlineQueue().onFailed((a, e) -> failed.incrementAndGet());
                online.useToken(rider.token(), rider.userId());
                while (!online.offlineQueue().pending().isEmpty()) {
                    Thread.sleep(20);
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("sdk drain: %d delivered, %d refused, %.0f actions/s (one at a time, in order)%n",
                    delivered.get(), failed.get(), delivered.get() / secs);
            if (delivered.get() != actions) {
                throw new IllegalStateException("the queue delivered " + delivered.get() + " of " + actions);
            }

            // (3) the node's cost of an Idempotency-Key on a creating call
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            Histogram keyed = new Histogram(3);
            Histogram plain = new Histogram(3);
            for (int i = 0; i < creates + 50; i++) {
                boolean withKey = i % 2 == 0;
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api/v1/trips"))
                        .header("Authorization", "Bearer " + driver.token())
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json(i + 1)));
                if (withKey) {
                    b.header("Idempotency-Key", UUID.randomUUID().toString());
                }
                long s = System.nanoTime();
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                long micros = (System.nanoTime() - s) / 1000;
                if (r.statusCode() != 201) {
                    throw new IllegalStateException("trip create answered " + r.statusCode() + " " + r.body());
                }
                if (i >= 50) { // the first ones warm the JIT and the pool
                    (withKey ? keyed : plain).recordValue(micros);
                }
            }
            System.out.printf("trip create with Idempotency-Key: p50 %.2f ms p99 %.2f ms; without: p50 %.2f ms "
                    + "p99 %.2f ms (%d each, alternated)%n", keyed.getValueAtPercentile(50) / 1000.0,
                    keyed.getValueAtPercentile(99) / 1000.0, plain.getValueAtPercentile(50) / 1000.0,
                    plain.getValueAtPercentile(99) / 1000.0, keyed.getTotalCount());
        }
    }

    private static TripInput trip(int i) {
        return new TripInput(new Place("BenchFrom", 12.9, 77.5), new Place("BenchTo", 13.0, 77.6),
                OffsetDateTime.now(ZoneOffset.UTC).plusDays(1).plusMinutes(i).toString(), 4, new BigDecimal("100"));
    }

    private static String json(int i) {
        return "{\"source\":{\"city\":\"BenchFrom\",\"lat\":12.9,\"lng\":77.5},\"destination\":{\"city\":\"BenchTo\","
                + "\"lat\":13.0,\"lng\":77.6},\"departureTime\":\"" + OffsetDateTime.now(ZoneOffset.UTC).plusDays(1)
                .plusMinutes(i) + "\",\"seats\":4,\"pricePerSeat\":100}";
    }
}
