-- Location history: written in batches by each node's buffer (the latest location lives in the LocationStore).
-- No foreign key to trips: inserts stay cheap at tracking rates; rows are only ever read per trip.
CREATE TABLE trip_locations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trip_id     uuid             NOT NULL,
    driver_id   uuid             NOT NULL,
    recorded_at timestamptz      NOT NULL,
    lat         double precision NOT NULL,
    lng         double precision NOT NULL,
    speed       real,
    heading     real,
    accuracy    real,
    received_at timestamptz      NOT NULL DEFAULT now()
);
CREATE INDEX trip_locations_route_idx ON trip_locations (trip_id, recorded_at, id);
