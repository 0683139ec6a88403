package com.hushryd.trips;

import com.hushryd.store.Jdbc;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** SQL for trips and bookings. Every method runs on the caller's connection. */
final class TripStore {
    private static final String TRIP_COLUMNS = "t.id, t.driver_id, u.name AS driver_name, t.source_city, t.source_lat, "
            + "t.source_lng, t.destination_city, t.destination_lat, t.destination_lng, t.departure_time, "
            + "t.seats_total, t.seats_available, t.price_per_seat, t.status, t.created_at, t.updated_at, "
            + "t.started_at, t.completed_at, t.cancelled_at";
    private static final String TRIP_FROM = " FROM trips t JOIN users u ON u.id = t.driver_id ";
    private static final String BOOKING_COLUMNS = "b.id, b.trip_id, b.passenger_id, b.seats, b.status, b.created_at, "
            + "b.cancelled_at, t.driver_id, t.source_city, t.destination_city, t.departure_time, t.price_per_seat, "
            + "t.status AS trip_status";
    private static final String BOOKING_FROM = " FROM bookings b JOIN trips t ON t.id = b.trip_id ";

    record SearchFilter(String fromKey, String toKey, Instant notBefore, Instant before, Integer minSeats,
            BigDecimal maxPrice, Cursor after, int limit) {
    }

    static void insert(Connection c, UUID id, UUID driverId, Place from, Place to, Instant departure, int seats,
            BigDecimal price, Instant now) throws SQLException {
        Jdbc.update(c, "INSERT INTO trips (id, driver_id, source_city, source_city_key, source_lat, source_lng, "
                + "destination_city, destination_city_key, destination_lat, destination_lng, departure_time, "
                + "seats_total, seats_available, price_per_seat, status, created_at, updated_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?)",
                id, driverId, from.city(), CityKey.of(from.city()), from.lat(), from.lng(), to.city(),
                CityKey.of(to.city()), to.lat(), to.lng(), departure, seats, seats, price, now, now);
    }

    static Optional<Trip> trip(Connection c, UUID id) throws SQLException {
        return Jdbc.one(c, "SELECT " + TRIP_COLUMNS + TRIP_FROM + "WHERE t.id = ?", TripStore::trip, id);
    }

    static Optional<TripState> state(Connection c, UUID id) throws SQLException {
        return Jdbc.one(c, "SELECT id, driver_id, status, seats_available FROM trips WHERE id = ?",
                rs -> new TripState(Jdbc.uuid(rs, "id"), Jdbc.uuid(rs, "driver_id"),
                        TripStatus.of(rs.getString("status")), rs.getInt("seats_available")), id);
    }

    static Optional<TripState> lockTrip(Connection c, UUID id) throws SQLException {
        return Jdbc.one(c, "SELECT id, driver_id, status, seats_available FROM trips WHERE id = ? FOR UPDATE",
                rs -> new TripState(Jdbc.uuid(rs, "id"), Jdbc.uuid(rs, "driver_id"),
                        TripStatus.of(rs.getString("status")), rs.getInt("seats_available")), id);
    }

    static void setStatus(Connection c, UUID id, TripStatus status, String timestampColumn, Instant now)
            throws SQLException {
        Jdbc.update(c, "UPDATE trips SET status = ?, " + timestampColumn + " = ?, updated_at = ? WHERE id = ?",
                status, now, now, id);
    }

    /** Takes seats if the trip is still bookable and has them; returns whether it did. Atomic under concurrency. */
    static boolean takeSeats(Connection c, UUID tripId, int seats, Instant now) throws SQLException {
        return Jdbc.update(c, "UPDATE trips SET seats_available = seats_available - ?, updated_at = ? "
                + "WHERE id = ? AND status = 'scheduled' AND seats_available >= ?", seats, now, tripId, seats) == 1;
    }

    static void returnSeats(Connection c, UUID tripId, int seats, Instant now) throws SQLException {
        Jdbc.update(c, "UPDATE trips SET seats_available = seats_available + ?, updated_at = ? WHERE id = ?",
                seats, now, tripId);
    }

    static List<Trip> search(Connection c, SearchFilter f) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT ").append(TRIP_COLUMNS).append(TRIP_FROM)
                .append("WHERE t.status = 'scheduled' AND t.departure_time >= ?");
        List<Object> params = new ArrayList<>();
        params.add(f.notBefore());
        if (f.fromKey() != null) {
            sql.append(" AND t.source_city_key = ?");
            params.add(f.fromKey());
        }
        if (f.toKey() != null) {
            sql.append(" AND t.destination_city_key = ?");
            params.add(f.toKey());
        }
        if (f.before() != null) {
            sql.append(" AND t.departure_time < ?");
            params.add(f.before());
        }
        if (f.minSeats() != null) {
            sql.append(" AND t.seats_available >= ?");
            params.add(f.minSeats());
        }
        if (f.maxPrice() != null) {
            sql.append(" AND t.price_per_seat <= ?");
            params.add(f.maxPrice());
        }
        if (f.after() != null) {
            sql.append(" AND (t.departure_time, t.id) > (?, ?)");
            params.add(f.after().time());
            params.add(f.after().id());
        }
        sql.append(" ORDER BY t.departure_time, t.id LIMIT ?");
        params.add(f.limit());
        return Jdbc.list(c, sql.toString(), TripStore::trip, params.toArray());
    }

    static void insertBooking(Connection c, UUID id, UUID tripId, UUID passengerId, int seats, Instant now)
            throws SQLException {
        Jdbc.update(c, "INSERT INTO bookings (id, trip_id, passenger_id, seats, status, created_at) "
                + "VALUES (?, ?, ?, ?, 'confirmed', ?)", id, tripId, passengerId, seats, now);
    }

    static Optional<Booking> booking(Connection c, UUID id) throws SQLException {
        return Jdbc.one(c, "SELECT " + BOOKING_COLUMNS + BOOKING_FROM + "WHERE b.id = ?", TripStore::booking, id);
    }

    static Optional<Booking> lockBooking(Connection c, UUID id) throws SQLException {
        return Jdbc.one(c, "SELECT " + BOOKING_COLUMNS + BOOKING_FROM + "WHERE b.id = ? FOR UPDATE OF b",
                TripStore::booking, id);
    }

    static void cancelBooking(Connection c, UUID id, Instant now) throws SQLException {
        Jdbc.update(c, "UPDATE bookings SET status = 'cancelled', cancelled_at = ? WHERE id = ?", now, id);
    }

    static void cancelBookingsOfTrip(Connection c, UUID tripId, Instant now) throws SQLException {
        Jdbc.update(c, "UPDATE bookings SET status = 'cancelled', cancelled_at = ? "
                + "WHERE trip_id = ? AND status = 'confirmed'", now, tripId);
    }

    /**
     * Bookings visible under a filter, newest first.
     *
     * @param passengerId only this passenger's, or null
     * @param driverId    only bookings on this driver's trips, or null
     * @param tripId      only this trip's, or null
     */
    static List<Booking> bookings(Connection c, UUID passengerId, UUID driverId, UUID tripId, Cursor after,
            int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT ").append(BOOKING_COLUMNS).append(BOOKING_FROM)
                .append("WHERE TRUE");
        List<Object> params = new ArrayList<>();
        if (passengerId != null) {
            sql.append(" AND b.passenger_id = ?");
            params.add(passengerId);
        }
        if (driverId != null) {
            sql.append(" AND t.driver_id = ?");
            params.add(driverId);
        }
        if (tripId != null) {
            sql.append(" AND b.trip_id = ?");
            params.add(tripId);
        }
        if (after != null) {
            sql.append(" AND (b.created_at, b.id) < (?, ?)");
            params.add(after.time());
            params.add(after.id());
        }
        sql.append(" ORDER BY b.created_at DESC, b.id DESC LIMIT ?");
        params.add(limit);
        return Jdbc.list(c, sql.toString(), TripStore::booking, params.toArray());
    }

    static boolean hasConfirmedBooking(Connection c, UUID tripId, UUID passengerId) throws SQLException {
        return Jdbc.one(c, "SELECT 1 FROM bookings WHERE trip_id = ? AND passenger_id = ? AND status = 'confirmed'",
                rs -> true, tripId, passengerId).isPresent();
    }

    private static Trip trip(ResultSet rs) throws SQLException {
        UUID driverId = Jdbc.uuid(rs, "driver_id");
        return new Trip(Jdbc.uuid(rs, "id"), driverId, new Trip.Driver(driverId, rs.getString("driver_name")),
                new Place(rs.getString("source_city"), rs.getDouble("source_lat"), rs.getDouble("source_lng")),
                new Place(rs.getString("destination_city"), rs.getDouble("destination_lat"),
                        rs.getDouble("destination_lng")),
                Jdbc.instant(rs, "departure_time"), rs.getInt("seats_total"), rs.getInt("seats_available"),
                Jdbc.money(rs, "price_per_seat"), TripStatus.of(rs.getString("status")),
                Jdbc.instant(rs, "created_at"), Jdbc.instant(rs, "updated_at"), Jdbc.instant(rs, "started_at"),
                Jdbc.instant(rs, "completed_at"), Jdbc.instant(rs, "cancelled_at"));
    }

    private static Booking booking(ResultSet rs) throws SQLException {
        UUID tripId = Jdbc.uuid(rs, "trip_id");
        return new Booking(Jdbc.uuid(rs, "id"), tripId, Jdbc.uuid(rs, "passenger_id"), rs.getInt("seats"),
                BookingStatus.of(rs.getString("status")), Jdbc.instant(rs, "created_at"),
                Jdbc.instant(rs, "cancelled_at"),
                new Booking.TripSummary(tripId, Jdbc.uuid(rs, "driver_id"), rs.getString("source_city"),
                        rs.getString("destination_city"), Jdbc.instant(rs, "departure_time"),
                        Jdbc.money(rs, "price_per_seat"), TripStatus.of(rs.getString("trip_status"))));
    }
}
