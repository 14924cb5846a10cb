-- Who opened which household on this laptop (issue 16, item 5): reading a household is
-- audited like changing one. Each row goes to the hub's audit log at the next sync
-- (`POST /v1/audit/openings`) and is then marked sent; it is never edited otherwise.
-- Times are Unix milliseconds (UTC).
CREATE TABLE household_openings (
    id           TEXT PRIMARY KEY,                        -- UUIDv7: the hub records each once
    household_id TEXT NOT NULL,                           -- no reference: the household may
                                                          -- leave this laptop, the audit stays
    officer_id   TEXT NOT NULL REFERENCES officers (id),  -- the person signed in
    opened_at    INTEGER NOT NULL,
    sent_at      INTEGER                                  -- NULL until the hub acknowledged it
) STRICT;

-- The next sync's batch, oldest first.
CREATE INDEX household_openings_unsent ON household_openings (opened_at, id) WHERE sent_at IS NULL;
-- Whether this person opened this household a moment ago (a page drawn again is not a new
-- opening), and which acknowledged rows are old enough to go.
CREATE INDEX household_openings_by_person ON household_openings (household_id, officer_id, opened_at);
CREATE INDEX household_openings_sent ON household_openings (opened_at) WHERE sent_at IS NOT NULL;

-- Append-only: only `sent_at` may be set, once; only an acknowledged row may be deleted.
CREATE TRIGGER household_openings_no_edit BEFORE UPDATE ON household_openings
WHEN OLD.sent_at IS NOT NULL OR NEW.sent_at IS NULL
  OR NEW.id IS NOT OLD.id OR NEW.household_id IS NOT OLD.household_id
  OR NEW.officer_id IS NOT OLD.officer_id OR NEW.opened_at IS NOT OLD.opened_at
BEGIN SELECT RAISE(ABORT, 'household_openings is append-only'); END;
CREATE TRIGGER household_openings_keep_unsent BEFORE DELETE ON household_openings
WHEN OLD.sent_at IS NULL
BEGIN SELECT RAISE(ABORT, 'an opening the hub has not recorded cannot be deleted'); END;
