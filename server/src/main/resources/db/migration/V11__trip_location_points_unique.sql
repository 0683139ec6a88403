-- A route point is its trip and the time it was taken: a position sent again (a phone's offline queue retrying a
-- batch whose answer was lost, decision 0053) must not become a second point of the route. Duplicates written before
-- this migration are removed first (the lowest id of each stays); LocationHistory inserts with ON CONFLICT DO NOTHING.
DELETE FROM trip_locations a USING trip_locations b
 WHERE a.trip_id = b.trip_id AND a.recorded_at = b.recorded_at AND a.id > b.id;

CREATE UNIQUE INDEX trip_locations_point ON trip_locations (trip_id, recorded_at);
