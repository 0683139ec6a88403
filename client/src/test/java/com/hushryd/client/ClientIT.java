package com.hushryd.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hushryd.client.model.Auth;
import com.hushryd.client.model.Booking;
import com.hushryd.client.model.EmergencyContact;
import com.hushryd.client.model.JobReceipt;
import com.hushryd.client.model.Location;
import com.hushryd.client.model.LocationPoint;
import com.hushryd.client.model.Message;
import com.hushryd.client.model.Page;
import com.hushryd.client.model.Place;
import com.hushryd.client.model.SosAlert;
import com.hushryd.client.model.SosRequest;
import com.hushryd.client.model.Trip;
import com.hushryd.client.model.TripInput;
import com.hushryd.client.model.UploadUrl;
import com.hushryd.client.offline.OfflineQueue;
import com.hushryd.client.realtime.ConnectionState;
import com.hushryd.client.realtime.RealtimeClient;
import com.hushryd.auth.Role;
import com.hushryd.auth.TokenService;
import com.hushryd.testing.Sql;
import com.hushryd.testing.TcpProxy;
import com.hushryd.testing.TestNode;
import com.hushryd.uploads.Samples;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SDK against a real node, through a TCP proxy that loses answers and cuts the connection: a whole app flow with
 * the typed calls, retries that never create twice (verified in PostgreSQL), a 400 never retried, and the realtime
 * connection resubscribing after a cut.
 */
class ClientIT {
    static TestNode node;
    static TcpProxy proxy;
    static String db;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start();
        db = node.settings().get("DATABASE_URL");
        proxy = new TcpProxy("127.0.0.1", node.node().port());
    }

    @AfterAll
    static void stop() {
        proxy.close();
        node.close();
    }

    static HushRydClient client(List<Attempt> attempts) {
        return HushRydClient.builder("http://127.0.0.1:" + proxy.port())
                .retry(new RetryPolicy(6, Duration.ofMillis(50), Duration.ofSeconds(2)))
                .onAttempt(attempts::add).build();
    }

    static Auth signUp(HushRydClient c, String role) {
        return c.register(TestNode.uniquePhone(), role + " of the SDK", "password-123", role);
    }

    static Trip publish(HushRydClient driver, String from, String to, int seats) {
        return driver.createTrip(new TripInput(new Place(from, 12.97, 77.59), new Place(to, 12.29, 76.64),
                OffsetDateTime.now(ZoneOffset.UTC).plusDays(2).toString(), seats, new BigDecimal("350")));
    }

    @Test
    void appFlow_signUpSearchBookChatUploadSos_withTypedCalls() {
        List<Attempt> attempts = new CopyOnWriteArrayList<>();
        try (HushRydClient driver = client(attempts); HushRydClient rider = client(attempts)) {
            signUp(driver, "driver");
            Auth me = signUp(rider, "passenger");
            assertThat(rider.me().id()).isEqualTo(me.user().id());
            assertThat(rider.updateProfile("Pia Rao", null).name()).isEqualTo("Pia Rao");
            assertThat(rider.setEmergencyContacts(List.of(new EmergencyContact("Asha", "+919811111111", null,
                    "sister")))).extracting(EmergencyContact::name).containsExactly("Asha");
            assertThat(rider.emergencyContacts()).hasSize(1);
            assertThat(driver.user(me.user().id()).name()).isEqualTo("Pia Rao");
            rider.changePassword("password-123", "password-456");
            assertThat(rider.me().id()).isEqualTo(me.user().id());
            Trip trip = publish(driver, "Mangaluru", "Udupi", 3);
            String day = trip.departureTime().atZone(ZoneOffset.UTC).toLocalDate().toString();
            Page<Trip> found = rider.searchTrips("mangaluru", "udupi", day, "UTC", null);
            assertThat(found.items()).extracting(Trip::id).contains(trip.id());
            Booking booking = rider.book(trip.id(), 2);
            assertThat(booking.status()).isEqualTo("confirmed");
            assertThat(rider.trip(trip.id()).seatsAvailable()).isEqualTo(1);
            Message m = rider.sendMessage(booking.id(), "I have a blue bag");
            assertThat(driver.messages(booking.id(), null).items()).extracting(Message::id).containsExactly(m.id());
            assertThat(driver.conversations(null).items()).isNotEmpty();

            byte[] png = Samples.image("png", 32, 24);
            UploadUrl url = driver.uploadUrl("licence", "image/png", png.length);
            JobReceipt receipt = driver.uploadDocument(url, png);
            assertThat(receipt.jobId()).isNotBlank();
            assertThat(driver.documents(null).items()).hasSize(1);

            SosAlert sos = rider.sos(new SosRequest(trip.id(), 12.9, 77.6, null, "from the SDK"));
            assertThat(sos.created()).isTrue();
            rider.sosLocation(sos.alertId(), 12.91, 77.61, 15.0);
            assertThat(rider.sosAlert(sos.alertId()).path("track").size()).isPositive();
            rider.resolveSos(sos.alertId());
            Booking cancelled = rider.cancelBooking(booking.id());
            assertThat(cancelled.status()).isEqualTo("cancelled");
        }
    }

    @Test
    void booking_answerLostTwice_isRetriedWithItsKey_oneBookingInPostgres() {
        List<Attempt> attempts = new CopyOnWriteArrayList<>();
        try (HushRydClient driver = client(attempts); HushRydClient rider = client(attempts)) {
            signUp(driver, "driver");
            signUp(rider, "passenger");
            Trip trip = publish(driver, "Hassan", "Sakleshpur", 4);
            attempts.clear();
            proxy.dropResponses(2);
            Booking b = rider.book(trip.id(), 1);
            assertThat(attempts).extracting(Attempt::status).containsExactly(0, 0, 201);
            assertThat(Sql.number(db, "SELECT count(*) FROM bookings WHERE trip_id = ?::uuid", trip.id()))
                    .isEqualTo(1);
            assertThat(Sql.number(db, "SELECT seats_available FROM trips WHERE id = ?::uuid", trip.id()))
                    .isEqualTo(3);
            assertThat(b.tripId()).isEqualTo(trip.id());

            attempts.clear();
            proxy.dropResponses(1);
            SosAlert sos = rider.sos(new SosRequest(trip.id(), null, null, null, null));
            assertThat(attempts).hasSize(2);
            assertThat(Sql.number(db, "SELECT count(*) FROM sos_alerts WHERE user_id = ?::uuid", rider.userId()))
                    .isEqualTo(1);
            rider.resolveSos(sos.alertId());
        }
    }

    @Test
    void validationError_fromTheNode_isNeverRetried() {
        List<Attempt> attempts = new CopyOnWriteArrayList<>();
        try (HushRydClient driver = client(attempts); HushRydClient rider = client(attempts)) {
            signUp(driver, "driver");
            signUp(rider, "passenger");
            Trip trip = publish(driver, "Kollam", "Alappuzha", 4);
            attempts.clear();
            assertThatThrownBy(() -> rider.book(trip.id(), 0)).isInstanceOfSatisfying(
                    ApiException.ValidationException.class, e -> {
                        assertThat(e.code()).isEqualTo("VALIDATION_FAILED");
                        assertThat(e.field()).isEqualTo("seats");
                        assertThat(e.requestId()).isNotBlank();
                    });
            assertThat(attempts).hasSize(1);
            assertThat(Sql.number(db, "SELECT count(*) FROM bookings WHERE trip_id = ?::uuid", trip.id())).isZero();
        }
    }

    @Test
    void realtime_connectionCutAndRestored_reconnects_resubscribes_andDeliversTheLatestLocation() throws Exception {
        try (HushRydClient driver = client(new CopyOnWriteArrayList<>());
                HushRydClient rider = client(new CopyOnWriteArrayList<>())) {
            signUp(driver, "driver");
            signUp(rider, "passenger");
            Trip trip = publish(driver, "Madurai", "Rameswaram", 3);
            rider.book(trip.id(), 1);
            driver.startTrip(trip.id());

            RealtimeClient socket = rider.realtime();
            List<Location> seen = new CopyOnWriteArrayList<>();
            List<ConnectionState> states = new CopyOnWriteArrayList<>();
            socket.onLocation(seen::add);
            socket.onConnectionState(states::add);
            socket.connect();
            await().atMost(Duration.ofSeconds(30)).until(socket::connected);
            assertThat(socket.track(trip.id()).get(30, TimeUnit.SECONDS)).isNull();

            driver.reportLocation(trip.id(), 9.93, 78.12, 40.0, 90.0);
            await().atMost(Duration.ofSeconds(30)).until(() -> seen.stream().anyMatch(l -> l.lat() == 9.93));

            proxy.suspend();
            await().atMost(Duration.ofSeconds(30)).until(() -> states.contains(ConnectionState.RECONNECTING));
            driver(trip, 9.50, driver); // missed while cut: through the node directly
            proxy.resume();
            // on reconnection the SDK subscribes again; the answer carries the last location, handed to listeners
            await().atMost(Duration.ofSeconds(60)).until(() -> seen.stream().anyMatch(l -> l.lat() == 9.50));
            driver(trip, 9.28, driver);
            await().atMost(Duration.ofSeconds(30)).until(() -> seen.stream().anyMatch(l -> l.lat() == 9.28));
            assertThat(socket.trackedTrips()).containsExactly(trip.id());
        }
    }

    @Test
    void locationBatch_queued_answerLost_retried_eachPointOnceInTheRoute() throws Exception {
        try (HushRydClient driver = HushRydClient.builder("http://127.0.0.1:" + proxy.port())
                .journal(java.nio.file.Files.createTempDirectory("sdk").resolve("q"))
                .queueLimits(new OfflineQueue.Limits(10, Duration.ofMillis(200))).build()) {
            signUp(driver, "driver");
            Trip trip = publish(driver, "Nagpur", "Wardha", 2);
            driver.startTrip(trip.id());
            long now = System.currentTimeMillis();
            List<LocationPoint> points = List.of(new LocationPoint(trip.id(), 21.14, 79.08, 40.0, 10.0, now - 3000),
                    new LocationPoint(trip.id(), 21.10, 79.00, 42.0, 12.0, now - 2000),
                    new LocationPoint(trip.id(), 21.05, 78.90, 45.0, 15.0, now - 1000));
            proxy.dropResponses(1);
            driver.offlineQueue().reportLocations(points);
            await().atMost(Duration.ofSeconds(30)).until(() -> driver.offlineQueue().pending().isEmpty());
            node.node().locationHistory().flush();
            assertThat(Sql.number(db, "SELECT count(*) FROM trip_locations WHERE trip_id = ?::uuid", trip.id()))
                    .isEqualTo(3);
        }
    }

    @Test
    void expiredToken_httpCallAndSocket_logInAgainByThemselves() {
        try (HushRydClient rider = client(new CopyOnWriteArrayList<>())) {
            signUp(rider, "passenger"); // the credentials are kept in memory to log in again
            // a token of this user that expired 9 minutes ago, signed with the node's secret
            String expired = new TokenService(TestNode.JWT_SECRET, null, Duration.ofMinutes(1),
                    Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-10)))
                    .issue(UUID.fromString(rider.userId()), Role.PASSENGER).token();
            rider.useToken(expired, rider.userId());
            assertThat(rider.me().id()).isEqualTo(rider.userId());
            assertThat(rider.token()).isNotEqualTo(expired);

            rider.useToken(expired, rider.userId());
            RealtimeClient socket = rider.realtime();
            socket.connect(); // refused TOKEN_EXPIRED, logs in again, connects with the new token
            await().atMost(Duration.ofSeconds(30)).until(socket::connected);
            assertThat(rider.token()).isNotEqualTo(expired);
        }
    }

    /** The driver reports a position straight to the node (not through the cut proxy). */
    private static void driver(Trip trip, double lat, HushRydClient driver) {
        try (HushRydClient direct = HushRydClient.builder("http://127.0.0.1:" + node.node().port()).build()) {
            direct.useToken(driver.token(), driver.userId());
            direct.reportLocation(trip.id(), lat, 79.3, 30.0, 120.0);
        }
    }
}
