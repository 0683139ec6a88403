-- Rights that outlive the account (issue 13, decision 0043): an account is deleted by marking it and erasing its
-- personal data, never by removing its row, so trips, bookings, SOS alerts and messages that name it stay valid.
-- The session check refuses every token of a deleted account.

ALTER TABLE users ADD COLUMN deleted_at timestamptz;
-- the active administrators, counted before the last one could be demoted or deleted
CREATE INDEX users_active_admins ON users (id) WHERE role = 'admin' AND deleted_at IS NULL;
