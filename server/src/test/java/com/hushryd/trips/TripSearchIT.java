package com.hushryd.trips;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Search filters, keyset pagination and the indexes behind them. */
class TripSearchIT {
    static TestNode node;
    static Account driver;
    static Account passenger;

    @BeforeAll
    static void start() {
        node = TestNode.start();
        driver = node.register("driver");
        passenger = node.register("passenger");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static HttpResult search(String query) {
        return node.api().get("/api/v1/trips/search?" + query, passenger.token());
    }

    @Test
    void pagination_walksEveryMatchOnceInDepartureOrder() {
        Set<String> created = new HashSet<>();
        for (int i = 0; i < 23; i++) {
            created.add(node.createTrip(driver, "Surat", "Vadodara", 1 + i % 5, 3, 100 + i));
        }
        node.createTrip(driver, "Surat", "Rajkot", 1, 3, 100);
        List<String> seen = new ArrayList<>();
        Instant previous = Instant.MIN;
        String cursor = null;
        int pages = 0;
        do {
            HttpResult page = search("from=Surat&to=Vadodara&limit=5" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).isEqualTo(200);
            for (JsonNode item : page.json().path("items")) {
                Instant t = Instant.parse(item.path("departureTime").asText());
                assertThat(t).isAfterOrEqualTo(previous);
                previous = t;
                seen.add(item.path("id").asText());
            }
            cursor = page.json().path("nextCursor").isNull() ? null : page.json().path("nextCursor").asText();
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(5);
        assertThat(seen).hasSize(23).doesNotHaveDuplicates();
        assertThat(new HashSet<>(seen)).isEqualTo(created);
    }

    @Test
    void filters_seatsPriceAndDay_areApplied() {
        String cheap = node.createTrip(driver, "Indore", "Bhopal", 2, 4, 150);
        String pricey = node.createTrip(driver, "Indore", "Bhopal", 2, 4, 900);
        String later = node.createTrip(driver, "Indore", "Bhopal", 6, 4, 150);
        String full = node.createTrip(driver, "Indore", "Bhopal", 2, 1, 150);
        node.api().post("/api/v1/trips/" + full + "/bookings", passenger.token(), java.util.Map.of("seats", 1));

        assertThat(ids(search("from=Indore&to=Bhopal&maxPrice=200"))).contains(cheap, later).doesNotContain(pricey);
        assertThat(ids(search("from=Indore&to=Bhopal&minSeats=1"))).doesNotContain(full);
        String day = node.api().get("/api/v1/trips/" + cheap, passenger.token()).json().path("departureTime").asText();
        LocalDate date = Instant.parse(day).atZone(ZoneOffset.UTC).toLocalDate();
        assertThat(ids(search("from=INDORE&to=bhopal&date=" + date))).contains(cheap, pricey).doesNotContain(later);
        assertThat(ids(search("from=Indore&to=Nowhere"))).isEmpty();
        assertThat(ids(search("to=" + URLEncoder.encode("  bhopal ", StandardCharsets.UTF_8)))).contains(cheap);
    }

    @Test
    void dateInAnotherTimeZone_coversThatLocalDay() {
        String trip = node.createTrip(driver, "Nagpur", "Raipur", 3, 2, 100);
        Instant departure = Instant.parse(node.api().get("/api/v1/trips/" + trip, passenger.token()).json()
                .path("departureTime").asText());
        LocalDate kolkataDay = departure.atZone(java.time.ZoneId.of("Asia/Kolkata")).toLocalDate();
        assertThat(ids(search("from=Nagpur&date=" + kolkataDay + "&tz=Asia/Kolkata"))).contains(trip);
        assertThat(ids(search("from=Nagpur&date=" + kolkataDay.plusDays(1) + "&tz=Asia/Kolkata")))
                .doesNotContain(trip);
    }

    @Test
    void searchQuery_usesTheRouteIndex_notASequentialScan() throws Exception {
        String url = node.settings().get("DATABASE_URL");
        try (Connection c = java.sql.DriverManager.getConnection(url)) {
            insertTrips(c, 20_000);
            try (Statement st = c.createStatement()) {
                st.execute("ANALYZE trips");
            }
            String plan = explain(c, "SELECT t.id FROM trips t JOIN users u ON u.id = t.driver_id "
                    + "WHERE t.status = 'scheduled' AND t.departure_time >= now() AND t.source_city_key = 'city-7' "
                    + "AND t.destination_city_key = 'city-8' AND t.seats_available >= 1 "
                    + "AND (t.departure_time, t.id) > (now(), '00000000-0000-0000-0000-000000000000'::uuid) "
                    + "ORDER BY t.departure_time, t.id LIMIT 21");
            assertThat(plan).contains("trips_search_route_idx").doesNotContain("Seq Scan on trips");
            String fromOnly = explain(c, "SELECT t.id FROM trips t WHERE t.status = 'scheduled' "
                    + "AND t.departure_time >= now() AND t.source_city_key = 'city-7' ORDER BY t.departure_time, t.id LIMIT 21");
            assertThat(fromOnly).contains("trips_search_from_idx");
        }
    }

    private static String explain(Connection c, String sql) throws Exception {
        StringBuilder sb = new StringBuilder();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("EXPLAIN " + sql)) {
            while (rs.next()) {
                sb.append(rs.getString(1)).append('\n');
            }
        }
        return sb.toString();
    }

    private static void insertTrips(Connection c, int n) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO trips (id, driver_id, source_city, source_city_key, "
                + "source_lat, source_lng, destination_city, destination_city_key, destination_lat, destination_lng, "
                + "departure_time, seats_total, seats_available, price_per_seat, status) "
                + "VALUES (?, ?, ?, ?, 1, 1, ?, ?, 2, 2, ?, 4, 4, ?, 'scheduled')")) {
            java.util.Random random = new java.util.Random(42);
            for (int i = 0; i < n; i++) {
                String from = "city-" + random.nextInt(50);
                String to = "city-" + random.nextInt(50);
                ps.setObject(1, UUID.randomUUID());
                ps.setObject(2, UUID.fromString(driver.id()));
                ps.setString(3, from);
                ps.setString(4, from);
                ps.setString(5, to);
                ps.setString(6, to);
                ps.setObject(7, java.time.OffsetDateTime.now(ZoneOffset.UTC).plus(random.nextInt(60 * 24 * 30), ChronoUnit.MINUTES));
                ps.setBigDecimal(8, BigDecimal.valueOf(100 + random.nextInt(900)));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static List<String> ids(HttpResult r) {
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        r.json().path("items").forEach(n -> ids.add(n.path("id").asText()));
        return ids;
    }
}
