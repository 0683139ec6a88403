-- Trip safety (issue 18): one watch per active trip, leased by exactly one node at a time (its evaluator); every
-- detection with the inputs it was made from; check-ins ("Is everything OK?"), at most one open per trip.

CREATE TABLE safety_watches (
    trip_id     uuid        PRIMARY KEY REFERENCES trips (id) ON DELETE CASCADE,
    owner       text,
    lease_until timestamptz,
    state       text,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    closed_at   timestamptz
);
-- what a node looks for each round: open watches nobody holds (or whose holder stopped renewing)
CREATE INDEX safety_watches_open_idx ON safety_watches (lease_until NULLS FIRST) WHERE closed_at IS NULL;
CREATE INDEX safety_watches_owner_idx ON safety_watches (owner) WHERE closed_at IS NULL;
-- the reconciliation that creates missing watches reads active trips only
CREATE INDEX trips_active_idx ON trips (id) WHERE status = 'active';

CREATE TABLE safety_checks (
    id           uuid        PRIMARY KEY,
    trip_id      uuid        NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    status       text        NOT NULL CHECK (status IN ('open', 'ok', 'help', 'expired')),
    kind         text        NOT NULL,
    opened_at    timestamptz NOT NULL,
    deadline     timestamptz NOT NULL,
    closed_at    timestamptz,
    answered_by  uuid        REFERENCES users (id),
    CHECK ((status = 'open') = (closed_at IS NULL))
);
-- at most one open check per trip, whatever races: a second detection joins the open one
CREATE UNIQUE INDEX safety_checks_one_open ON safety_checks (trip_id) WHERE status = 'open';
CREATE INDEX safety_checks_trip_idx ON safety_checks (trip_id, opened_at DESC);

CREATE TABLE safety_detections (
    id          uuid             PRIMARY KEY,
    trip_id     uuid             NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    kind        text             NOT NULL CHECK (kind IN ('unexpected_stop', 'route_deviation', 'gps_silence',
                                                          'early_end', 'speed')),
    detected_at timestamptz      NOT NULL,
    node        text             NOT NULL,
    lat         double precision,
    lng         double precision,
    inputs      jsonb            NOT NULL,
    check_id    uuid             REFERENCES safety_checks (id) ON DELETE SET NULL
);
CREATE INDEX safety_detections_trip_idx ON safety_detections (trip_id, detected_at DESC);

-- an SOS raised by an unanswered (or "I need help") check carries it
ALTER TABLE sos_alerts ADD COLUMN safety_check_id uuid REFERENCES safety_checks (id);
