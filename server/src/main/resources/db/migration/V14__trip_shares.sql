-- Share my trip (issue 18): a rider's read-only link to a trip's live state. The token is not stored: it carries the
-- share's id and an HMAC of it (decision 0059), so a copy of the database reveals no working link.

CREATE TABLE trip_shares (
    id          uuid        PRIMARY KEY,
    trip_id     uuid        NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    created_by  uuid        NOT NULL REFERENCES users (id),
    reason      text        NOT NULL CHECK (reason IN ('rider', 'sos')),
    created_at  timestamptz NOT NULL,
    -- the latest a link may live, whatever the trip does; it also ends when the trip has been over for SHARE_TTL_AFTER_END
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX trip_shares_trip_idx ON trip_shares (trip_id, created_at DESC);

-- the link sent to the emergency contacts of an SOS raised on a trip
ALTER TABLE sos_alerts ADD COLUMN share_id uuid REFERENCES trip_shares (id);
