-- Plans, cocoons, photos and local user roles.

-- What each person using this laptop may do (until hub enrolment assigns roles).
ALTER TABLE officers ADD COLUMN role TEXT NOT NULL DEFAULT 'officer';

-- Notes per survey section, by section id (JSON object); synced as "section_notes.<id>".
ALTER TABLE surveys ADD COLUMN section_notes TEXT NOT NULL DEFAULT '{}';

-- Improvement plans. The plan body is the JSON core::security::Plan; its top-level
-- fields are the synced fields. status is copied out for the approvals list.
CREATE TABLE plans (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    survey_id      TEXT NOT NULL REFERENCES surveys (id),
    household_id   TEXT NOT NULL REFERENCES households (id),
    status         TEXT NOT NULL,
    body           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    hlc            TEXT NOT NULL,
    field_versions TEXT NOT NULL
) STRICT;
CREATE INDEX plans_survey ON plans (survey_id);
CREATE INDEX plans_status ON plans (status);

-- Photos, signatures and other files, stored once by content hash (inside the encrypted
-- database, so they are encrypted at rest). Synced up by hash, idempotently.
CREATE TABLE attachments (
    sha256     TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    size       INTEGER NOT NULL,
    bytes      BLOB NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
) STRICT;

-- A photo attached to one survey item (or a section, item = "section:<id>").
CREATE TABLE survey_photos (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    survey_id      TEXT NOT NULL REFERENCES surveys (id),
    item           TEXT NOT NULL,
    sha256         TEXT NOT NULL REFERENCES attachments (sha256),
    file_name      TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    hlc            TEXT NOT NULL,
    field_versions TEXT NOT NULL
) STRICT;
CREATE INDEX survey_photos_survey ON survey_photos (survey_id);

-- Cocoons opened by a burglary, and the neighbours' doors in priority order.
CREATE TABLE cocoons (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    household_id   TEXT NOT NULL REFERENCES households (id),
    opened_on      TEXT NOT NULL,
    visit_by       TEXT NOT NULL,
    closes_on      TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    hlc            TEXT NOT NULL,
    field_versions TEXT NOT NULL
) STRICT;
CREATE INDEX cocoons_household ON cocoons (household_id);

CREATE TABLE cocoon_targets (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    cocoon_id      TEXT NOT NULL REFERENCES cocoons (id),
    rank           INTEGER NOT NULL,
    uprn           INTEGER NOT NULL,
    address_line_1 TEXT NOT NULL,
    distance_m     INTEGER NOT NULL,
    reason         TEXT NOT NULL,
    outcome        TEXT,
    outcome_at     TEXT,
    outcome_by     TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    hlc            TEXT NOT NULL,
    field_versions TEXT NOT NULL,
    UNIQUE (cocoon_id, uprn)
) STRICT;
