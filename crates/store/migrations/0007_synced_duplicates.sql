-- Records synced from other laptops must always be storable. Two officers offline can each
-- make a household for the same UPRN, and two crews can each add the same door to a day or
-- a cocoon: both records are real, and refusing one stalls every sync after it for ever.
-- So the three "one per address" rules stop being constraints and become ordinary indexes;
-- the app still refuses or merges a duplicate typed on this laptop (checking explicitly and,
-- where two rows exist after a sync, using the oldest by seq), and people tidy the rest.

-- Households: the same partial index, no longer unique.
DROP INDEX households_uprn;
CREATE INDEX households_uprn ON households (uprn) WHERE uprn IS NOT NULL;

-- day_doors and cocoon_targets declared their UNIQUE in the table, which SQLite cannot drop:
-- both are rebuilt, keeping every column, seq and row. Migrations run in a transaction with
-- foreign keys on, and door_knocks refers to day_doors, so day_doors cannot simply be dropped
-- under it: door_knocks is rebuilt too, first referring to the new table. Renaming the new
-- day_doors then rewrites that reference to the final name.
CREATE TABLE day_doors_new (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    day_id         TEXT NOT NULL REFERENCES days_of_action (id),
    rank           INTEGER NOT NULL,
    uprn           INTEGER NOT NULL,
    address_line_1 TEXT NOT NULL,
    postcode       TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    hlc            TEXT NOT NULL,
    field_versions TEXT NOT NULL
) STRICT;
INSERT INTO day_doors_new (seq, id, day_id, rank, uprn, address_line_1, postcode, created_at,
    updated_at, updated_by, device_id, hlc, field_versions)
SELECT seq, id, day_id, rank, uprn, address_line_1, postcode, created_at,
    updated_at, updated_by, device_id, hlc, field_versions
FROM day_doors;

CREATE TABLE door_knocks_new (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    day_id         TEXT NOT NULL REFERENCES days_of_action (id),
    door_id        TEXT NOT NULL REFERENCES day_doors_new (id),
    body           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    hlc            TEXT NOT NULL,
    field_versions TEXT NOT NULL
) STRICT;
INSERT INTO door_knocks_new (seq, id, day_id, door_id, body, created_at, updated_at,
    updated_by, device_id, hlc, field_versions)
SELECT seq, id, day_id, door_id, body, created_at, updated_at,
    updated_by, device_id, hlc, field_versions
FROM door_knocks;

DROP TABLE door_knocks;
DROP TABLE day_doors;
ALTER TABLE day_doors_new RENAME TO day_doors;
ALTER TABLE door_knocks_new RENAME TO door_knocks;
-- Replaces the unique constraint's own index: a day's doors, and "is this door listed".
CREATE INDEX day_doors_day ON day_doors (day_id, uprn);
CREATE INDEX door_knocks_day ON door_knocks (day_id, door_id);

-- Nothing refers to cocoon_targets, so it is rebuilt the way 0005 rebuilt survey_photos.
CREATE TABLE cocoon_targets_new (
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
    field_versions TEXT NOT NULL
) STRICT;
INSERT INTO cocoon_targets_new (seq, id, cocoon_id, rank, uprn, address_line_1, distance_m,
    reason, outcome, outcome_at, outcome_by, created_at, updated_at, updated_by, device_id,
    hlc, field_versions)
SELECT seq, id, cocoon_id, rank, uprn, address_line_1, distance_m,
    reason, outcome, outcome_at, outcome_by, created_at, updated_at, updated_by, device_id,
    hlc, field_versions
FROM cocoon_targets;
DROP TABLE cocoon_targets;
ALTER TABLE cocoon_targets_new RENAME TO cocoon_targets;
-- Replaces the unique constraint's own index: a cocoon's doors, and "is this door listed".
CREATE INDEX cocoon_targets_cocoon ON cocoon_targets (cocoon_id, uprn);
