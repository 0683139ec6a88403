-- Core schema: users, emergency contacts, trips, bookings, cluster membership.

CREATE TABLE users (
    id            uuid        PRIMARY KEY,
    phone         text        NOT NULL,
    name          text        NOT NULL,
    email         text,
    password_hash text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('passenger', 'driver', 'admin')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_phone_key UNIQUE (phone)
);
CREATE UNIQUE INDEX users_email_key ON users (email) WHERE email IS NOT NULL;

CREATE TABLE emergency_contacts (
    user_id      uuid     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position     smallint NOT NULL,
    name         text     NOT NULL,
    phone        text     NOT NULL,
    email        text,
    relationship text,
    PRIMARY KEY (user_id, position)
);

CREATE TABLE trips (
    id                   uuid             PRIMARY KEY,
    driver_id            uuid             NOT NULL REFERENCES users (id),
    source_city          text             NOT NULL,
    source_city_key      text             NOT NULL,
    source_lat           double precision NOT NULL CHECK (source_lat BETWEEN -90 AND 90),
    source_lng           double precision NOT NULL CHECK (source_lng BETWEEN -180 AND 180),
    destination_city     text             NOT NULL,
    destination_city_key text             NOT NULL,
    destination_lat      double precision NOT NULL CHECK (destination_lat BETWEEN -90 AND 90),
    destination_lng      double precision NOT NULL CHECK (destination_lng BETWEEN -180 AND 180),
    departure_time       timestamptz      NOT NULL,
    seats_total          integer          NOT NULL CHECK (seats_total BETWEEN 1 AND 50),
    seats_available      integer          NOT NULL,
    price_per_seat       numeric(12, 2)   NOT NULL CHECK (price_per_seat >= 0),
    status               text             NOT NULL DEFAULT 'scheduled'
                                          CHECK (status IN ('scheduled', 'active', 'completed', 'cancelled')),
    created_at           timestamptz      NOT NULL DEFAULT now(),
    updated_at           timestamptz      NOT NULL DEFAULT now(),
    started_at           timestamptz,
    completed_at         timestamptz,
    cancelled_at         timestamptz,
    -- the database itself refuses an overbooked trip, whatever the application does
    CONSTRAINT trips_seats_available_range CHECK (seats_available BETWEEN 0 AND seats_total)
);
-- Search by route and day, keyset-paginated on (departure_time, id); only bookable trips are indexed.
CREATE INDEX trips_search_route_idx ON trips (source_city_key, destination_city_key, departure_time, id)
    WHERE status = 'scheduled';
CREATE INDEX trips_search_from_idx ON trips (source_city_key, departure_time, id) WHERE status = 'scheduled';
CREATE INDEX trips_search_to_idx ON trips (destination_city_key, departure_time, id) WHERE status = 'scheduled';
CREATE INDEX trips_search_time_idx ON trips (departure_time, id) WHERE status = 'scheduled';
CREATE INDEX trips_driver_idx ON trips (driver_id, departure_time DESC, id);

CREATE TABLE bookings (
    id           uuid        PRIMARY KEY,
    trip_id      uuid        NOT NULL REFERENCES trips (id),
    passenger_id uuid        NOT NULL REFERENCES users (id),
    seats        integer     NOT NULL CHECK (seats BETWEEN 1 AND 50),
    status       text        NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    cancelled_at timestamptz
);
-- A passenger holds at most one live booking per trip.
CREATE UNIQUE INDEX bookings_one_confirmed_per_passenger ON bookings (trip_id, passenger_id)
    WHERE status = 'confirmed';
CREATE INDEX bookings_passenger_idx ON bookings (passenger_id, created_at DESC, id DESC);
CREATE INDEX bookings_trip_idx ON bookings (trip_id, created_at DESC, id DESC);
CREATE INDEX bookings_created_idx ON bookings (created_at DESC, id DESC);

CREATE TABLE cluster_nodes (
    node_id      text        PRIMARY KEY,
    address      text        NOT NULL,
    version      text        NOT NULL,
    started_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
