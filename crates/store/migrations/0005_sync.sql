-- Sync with the hub: the conflicts it raises, photos sent and fetched by hash, and the
-- outbox's unpushed rows found without reading the pushed ones.
-- The hub link, the pull cursor and the sync log are rows in `settings`.

-- A guarded field two laptops set at once, raised by the hub for a supervisor to decide.
-- Synced like any record (entity "conflict"). Values are JSON text; times are kept as the
-- hub wrote them (RFC 3339), so the record reads back exactly as it came.
CREATE TABLE conflicts (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    entity         TEXT NOT NULL,
    entity_id      TEXT NOT NULL,
    field          TEXT NOT NULL,
    kept_value     TEXT NOT NULL,         -- JSON
    kept_hlc       TEXT NOT NULL,
    kept_by        TEXT NOT NULL,
    other_value    TEXT NOT NULL,         -- JSON
    other_hlc      TEXT NOT NULL,
    other_by       TEXT NOT NULL,
    change_id      TEXT NOT NULL,
    raised_at      TEXT NOT NULL,
    status         TEXT NOT NULL,         -- open | decided
    chosen         TEXT,                  -- kept | other
    decided_by     TEXT,
    decided_at     TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    hlc            TEXT NOT NULL,
    field_versions TEXT NOT NULL
) STRICT;
CREATE INDEX conflicts_status ON conflicts (status);

-- A photo from the hub arrives before its bytes, so a photo may name bytes this laptop does
-- not hold yet: the table is rebuilt without its reference to `attachments`. Nothing refers
-- to survey_photos, so it can be dropped and renamed with foreign keys on.
CREATE TABLE survey_photos_new (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    survey_id      TEXT NOT NULL REFERENCES surveys (id),
    item           TEXT NOT NULL,
    sha256         TEXT NOT NULL,         -- attachments.sha256, once the bytes are here
    file_name      TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    hlc            TEXT NOT NULL,
    field_versions TEXT NOT NULL
) STRICT;
INSERT INTO survey_photos_new (seq, id, survey_id, item, sha256, file_name, created_at,
    updated_at, updated_by, device_id, hlc, field_versions)
SELECT seq, id, survey_id, item, sha256, file_name, created_at,
    updated_at, updated_by, device_id, hlc, field_versions
FROM survey_photos;
DROP TABLE survey_photos;
ALTER TABLE survey_photos_new RENAME TO survey_photos;
CREATE INDEX survey_photos_survey ON survey_photos (survey_id);

-- Attachments the hub is known to hold (sent from here, or fetched from it); every other
-- attachment is waiting to be sent. A table of its own: marking a photo sent must not
-- rewrite its bytes, and listing what waits reads only the attachments' key index.
CREATE TABLE attachments_on_hub (
    sha256 TEXT PRIMARY KEY,
    since  TEXT NOT NULL
) STRICT;

-- Pushed rows stay in the outbox; only the unpushed few are indexed, for the next batch and
-- for the fields with local changes the hub has not seen.
CREATE INDEX outbox_unpushed ON outbox (entity, entity_id) WHERE pushed_at IS NULL;
