-- A token withdrawn because a refresh token of its device was replayed (issue 18): kept
-- apart from expiry, so the device is told to enrol again rather than to refresh.
ALTER TABLE tokens ADD COLUMN withdrawn_at BIGINT;
