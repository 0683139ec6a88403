package com.hushryd.trips;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** A trip is never overbooked, whatever the concurrency. */
class OverbookingIT {
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static List<Account> passengers(int n) {
        return IntStream.range(0, n).parallel().mapToObj(i -> node.register("passenger")).toList();
    }

    private static List<HttpResult> bookAtOnce(String trip, List<Account> who, int seats) {
        List<CompletableFuture<HttpResult>> all = new ArrayList<>();
        for (Account a : who) {
            all.add(node.api().postAsync("/api/v1/trips/" + trip + "/bookings", a.token(), map("seats", seats)));
        }
        return all.stream().map(CompletableFuture::join).toList();
    }

    @RepeatedTest(3)
    void booking_lastSeats_fiftyConcurrentRequests_exactlyThreeSucceed() {
        Account driver = node.register("driver");
        String trip = node.createTrip(driver, "Hyderabad", "Warangal", 1, 3, 150);
        List<HttpResult> results = bookAtOnce(trip, passengers(50), 1);

        assertThat(results).filteredOn(r -> r.status() == 201).hasSize(3);
        assertThat(results).filteredOn(r -> r.status() == 409)
                .hasSize(47)
                .allSatisfy(r -> assertThat(r.errorCode()).isEqualTo("SEATS_UNAVAILABLE"));
        assertThat(node.api().get("/api/v1/trips/" + trip, driver.token()).json().path("seatsAvailable").asInt())
                .isZero();
        assertThat(node.api().get("/api/v1/bookings?tripId=" + trip + "&limit=100", driver.token())
                .json().path("items")).hasSize(3);
    }

    @Test
    void booking_mixedSeatCounts_neverExceedCapacity() {
        Account driver = node.register("driver");
        String trip = node.createTrip(driver, "Kochi", "Munnar", 1, 7, 400);
        List<HttpResult> results = bookAtOnce(trip, passengers(30), 2);
        long booked = results.stream().filter(r -> r.status() == 201).count();
        assertThat(booked).as("7 seats hold three 2-seat bookings").isEqualTo(3);
        assertThat(node.api().get("/api/v1/trips/" + trip, driver.token()).json().path("seatsAvailable").asInt())
                .isEqualTo(1);
    }

    @Test
    void cancelAndRebook_concurrently_keepsSeatsConsistent() {
        Account driver = node.register("driver");
        String trip = node.createTrip(driver, "Jaipur", "Udaipur", 1, 2, 300);
        List<Account> holders = passengers(2);
        List<String> bookings = holders.stream().map(h -> node.api().post("/api/v1/trips/" + trip + "/bookings",
                h.token(), map("seats", 1)).str("id")).toList();
        List<Account> waiting = passengers(20);
        List<CompletableFuture<HttpResult>> all = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String b = bookings.get(i);
            Account h = holders.get(i);
            all.add(CompletableFuture.supplyAsync(() -> node.api().delete("/api/v1/bookings/" + b, h.token())));
        }
        for (Account a : waiting) {
            all.add(node.api().postAsync("/api/v1/trips/" + trip + "/bookings", a.token(), map("seats", 1)));
        }
        List<HttpResult> results = all.stream().map(CompletableFuture::join).toList();
        assertThat(results).noneMatch(r -> r.status() >= 500);
        int confirmed = 0;
        for (var item : node.api().get("/api/v1/bookings?tripId=" + trip + "&limit=100", driver.token())
                .json().path("items")) {
            if (item.path("status").asText().equals("confirmed")) {
                confirmed++;
            }
        }
        int available = node.api().get("/api/v1/trips/" + trip, driver.token()).json().path("seatsAvailable").asInt();
        assertThat(confirmed + available).as("every seat is either booked or free, never both").isEqualTo(2);
        assertThat(confirmed).isLessThanOrEqualTo(2);
    }
}
