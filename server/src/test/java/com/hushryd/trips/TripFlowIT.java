package com.hushryd.trips;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.testing.ApiClient;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The journey of the seeds' apps: register, log in, publish, search, book, cancel, ride. */
class TripFlowIT {
    static TestNode node;
    static ApiClient api;

    @BeforeAll
    static void start() {
        node = TestNode.start();
        api = node.api();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void registerLoginPublishSearchBook_endToEnd() {
        HttpResult reg = api.post("/api/v1/auth/register", null, map("phone", "+91 98765 43210", "name", "Ravi",
                "password", "correct-horse", "role", "driver", "email", "Ravi@Example.com"));
        assertThat(reg.status()).isEqualTo(201);
        assertThat(reg.json().path("user").path("phone").asText()).isEqualTo("+919876543210");
        assertThat(reg.json().path("user").path("email").asText()).isEqualTo("ravi@example.com");
        assertThat(reg.json().path("user").has("passwordHash")).isFalse();

        HttpResult login = api.post("/api/v1/auth/login", null, map("phone", "+919876543210", "password", "correct-horse"));
        assertThat(login.status()).isEqualTo(200);
        assertThat(login.str("tokenType")).isEqualTo("Bearer");
        String driver = login.str("accessToken");

        String departure = OffsetDateTime.now().plusDays(3).withHour(9).withMinute(30).withSecond(0).withNano(0).toString();
        HttpResult trip = api.post("/api/v1/trips", driver, map(
                "source", map("city", "Bengaluru", "lat", 12.97, "lng", 77.59),
                "destination", map("city", "Mysuru", "lat", 12.29, "lng", 76.64),
                "departureTime", departure, "seats", 3, "pricePerSeat", 350.5));
        assertThat(trip.status()).isEqualTo(201);
        assertThat(trip.str("status")).isEqualTo("scheduled");
        assertThat(trip.json().path("seatsAvailable").asInt()).isEqualTo(3);
        assertThat(trip.json().path("pricePerSeat").decimalValue()).isEqualByComparingTo("350.50");
        String tripId = trip.str("id");

        Account passenger = node.register("passenger");
        HttpResult search = api.get("/api/v1/trips/search?from=bengaluru&to=%20MYSURU%20&date="
                + departure.substring(0, 10) + "&tz=" + OffsetDateTime.now().getOffset(), passenger.token());
        assertThat(search.status()).isEqualTo(200);
        assertThat(search.json().path("items")).extracting(n -> n.path("id").asText()).contains(tripId);

        HttpResult booking = api.post("/api/v1/trips/" + tripId + "/bookings", passenger.token(), map("seats", 2));
        assertThat(booking.status()).isEqualTo(201);
        assertThat(booking.str("status")).isEqualTo("confirmed");
        assertThat(api.get("/api/v1/trips/" + tripId, passenger.token()).json().path("seatsAvailable").asInt()).isEqualTo(1);

        HttpResult mine = api.get("/api/v1/bookings", passenger.token());
        assertThat(mine.json().path("items")).hasSize(1);
        HttpResult driversView = api.get("/api/v1/bookings?tripId=" + tripId, driver);
        assertThat(driversView.json().path("items").get(0).path("passengerId").asText()).isEqualTo(passenger.id());

        HttpResult again = api.post("/api/v1/trips/" + tripId + "/bookings", passenger.token(), map("seats", 1));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.errorCode()).isEqualTo("ALREADY_BOOKED");
        assertThat(api.get("/api/v1/trips/" + tripId, passenger.token()).json().path("seatsAvailable").asInt())
                .as("a refused booking takes no seats").isEqualTo(1);

        HttpResult cancelled = api.delete("/api/v1/bookings/" + booking.str("id"), passenger.token());
        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.str("status")).isEqualTo("cancelled");
        assertThat(api.get("/api/v1/trips/" + tripId, passenger.token()).json().path("seatsAvailable").asInt())
                .as("cancelling returns the seats").isEqualTo(3);
        assertThat(api.delete("/api/v1/bookings/" + booking.str("id"), passenger.token()).errorCode())
                .isEqualTo("BOOKING_ALREADY_CANCELLED");
    }

    @Test
    void tripStateMachine_allowsOnlyLegalTransitions() {
        Account driver = node.register("driver");
        Account passenger = node.register("passenger");
        String trip = node.createTrip(driver, "Pune", "Mumbai", 1, 4, 500);
        String booking = api.post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 1)).str("id");

        assertThat(api.post("/api/v1/trips/" + trip + "/complete", driver.token(), "").errorCode())
                .isEqualTo("INVALID_TRIP_TRANSITION");
        assertThat(api.post("/api/v1/trips/" + trip + "/start", passenger.token(), "").status())
                .as("only the driver starts a trip").isEqualTo(403);
        HttpResult started = api.post("/api/v1/trips/" + trip + "/start", driver.token(), "");
        assertThat(started.status()).isEqualTo(200);
        assertThat(started.str("status")).isEqualTo("active");
        assertThat(started.json().path("startedAt").isNull()).isFalse();

        HttpResult lateCancel = api.delete("/api/v1/bookings/" + booking, passenger.token());
        assertThat(lateCancel.status()).isEqualTo(409);
        assertThat(lateCancel.errorCode()).isEqualTo("BOOKING_NOT_CANCELLABLE");
        assertThat(api.post("/api/v1/trips/" + trip + "/bookings", node.register("passenger").token(),
                map("seats", 1)).errorCode()).isEqualTo("TRIP_NOT_BOOKABLE");
        HttpResult wrong = api.post("/api/v1/trips/" + trip + "/start", driver.token(), "");
        assertThat(wrong.status()).isEqualTo(409);
        assertThat(wrong.json().path("error").path("details").path("status").asText()).isEqualTo("active");
        assertThat(api.post("/api/v1/trips/" + trip + "/cancel", driver.token(), "").status()).isEqualTo(409);

        assertThat(api.post("/api/v1/trips/" + trip + "/complete", driver.token(), "").str("status"))
                .isEqualTo("completed");
        for (String action : new String[] {"start", "complete", "cancel"}) {
            assertThat(api.post("/api/v1/trips/" + trip + "/" + action, driver.token(), "").status()).isEqualTo(409);
        }
    }

    @Test
    void cancellingATrip_cancelsItsBookings() {
        Account driver = node.register("driver");
        Account passenger = node.register("passenger");
        String trip = node.createTrip(driver, "Chennai", "Vellore", 2, 4, 200);
        String booking = api.post("/api/v1/trips/" + trip + "/bookings", passenger.token(), map("seats", 2)).str("id");

        HttpResult cancelled = api.post("/api/v1/trips/" + trip + "/cancel", driver.token(), "");
        assertThat(cancelled.str("status")).isEqualTo("cancelled");
        HttpResult list = api.get("/api/v1/bookings?tripId=" + trip, passenger.token());
        assertThat(list.json().path("items").get(0).path("id").asText()).isEqualTo(booking);
        assertThat(list.json().path("items").get(0).path("status").asText()).isEqualTo("cancelled");
        assertThat(api.get("/api/v1/trips/search?from=Chennai&to=Vellore", passenger.token()).json().path("items"))
                .as("a cancelled trip is not offered").isEmpty();
    }

    @Test
    void profile_patchAndEmergencyContacts() {
        Account me = node.register("passenger");
        HttpResult patched = api.patch("/api/v1/me", me.token(), map("name", "  Asha  ", "email", "asha@example.com"));
        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.str("name")).isEqualTo("Asha");
        HttpResult cleared = api.patch("/api/v1/me", me.token(), "{\"email\":null}");
        assertThat(cleared.json().path("email").isNull()).isTrue();

        HttpResult contacts = api.put("/api/v1/me/emergency-contacts", me.token(), map("contacts", java.util.List.of(
                map("name", "Mom", "phone", "+919812345678", "relationship", "mother"),
                map("name", "Friend", "phone", "+919812345679", "email", "f@example.com"))));
        assertThat(contacts.status()).isEqualTo(200);
        HttpResult profile = api.get("/api/v1/me", me.token());
        assertThat(profile.json().path("emergencyContacts")).hasSize(2);
        assertThat(profile.json().path("emergencyContacts").get(0).path("name").asText()).isEqualTo("Mom");

        HttpResult tooMany = api.put("/api/v1/me/emergency-contacts", me.token(), map("contacts", java.util.Collections
                .nCopies(6, map("name", "X", "phone", "+919812345678"))));
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.errorField()).isEqualTo("contacts");
        HttpResult self = api.put("/api/v1/me/emergency-contacts", me.token(), map("contacts", java.util.List.of(
                map("name", "Me", "phone", me.phone()))));
        assertThat(self.errorField()).isEqualTo("contacts[0].phone");
        assertThat(api.get("/api/v1/me/emergency-contacts", me.token()).json().path("contacts"))
                .as("a refused replacement changes nothing").hasSize(2);
    }

    @Test
    void otherUsersProfile_hidesPhoneAndEmail() {
        Account a = node.register("passenger");
        Account b = node.register("driver");
        HttpResult seen = api.get("/api/v1/users/" + b.id(), a.token());
        assertThat(seen.status()).isEqualTo(200);
        assertThat(seen.str("name")).isNotBlank();
        assertThat(seen.json().has("phone")).isFalse();
        assertThat(api.get("/api/v1/users/" + a.id(), a.token()).str("phone")).isEqualTo(a.phone());
        assertThat(api.get("/api/v1/users/" + java.util.UUID.randomUUID(), a.token()).status()).isEqualTo(404);
    }

    @Test
    void duplicatePhone_isAConflict() {
        Account a = node.register("passenger");
        HttpResult r = api.post("/api/v1/auth/register", null, map("phone", a.phone(), "name", "Dup",
                "password", "password-123", "role", "passenger"));
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.errorCode()).isEqualTo("PHONE_TAKEN");
    }

    @Test
    void bookingsOfOthers_areInvisible() {
        Account driver = node.register("driver");
        Account owner = node.register("passenger");
        Account stranger = node.register("passenger");
        String trip = node.createTrip(driver, "Delhi", "Agra", 1, 2, 100);
        String booking = api.post("/api/v1/trips/" + trip + "/bookings", owner.token(), map("seats", 1)).str("id");
        HttpResult r = api.delete("/api/v1/bookings/" + booking, stranger.token());
        assertThat(r.status()).as("no hint that the booking exists").isEqualTo(404);
        assertThat(r.json().path("error").path("message").asText()).isEqualTo("booking not found");
        assertThat(api.get("/api/v1/bookings?tripId=" + trip, stranger.token()).json().path("items")).isEmpty();
        assertThat(api.delete("/api/v1/bookings/" + java.util.UUID.randomUUID(), stranger.token()).status())
                .isEqualTo(404);
    }
}
