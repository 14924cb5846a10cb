-- Doorstep local store, first schema.
-- Every synced record carries: its HLC version, the HLC of each field (field_versions,
-- a JSON object), who changed it last and on which device.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE officers (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;

CREATE TABLE households (
    seq            INTEGER PRIMARY KEY,   -- stable rowid, shared with household_search
    id             TEXT NOT NULL UNIQUE,
    uprn           INTEGER,
    address_line_1 TEXT NOT NULL,
    address_line_2 TEXT,
    address_line_3 TEXT,
    town           TEXT NOT NULL,
    postcode       TEXT NOT NULL,
    coordinates    TEXT,                  -- JSON Coordinates
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    hlc            TEXT NOT NULL,
    field_versions TEXT NOT NULL
) STRICT;
-- Partial: a household typed without a UPRN costs no index write.
CREATE UNIQUE INDEX households_uprn ON households (uprn) WHERE uprn IS NOT NULL;

CREATE TABLE persons (
    seq                 INTEGER PRIMARY KEY,
    id                  TEXT NOT NULL UNIQUE,
    household_id        TEXT NOT NULL REFERENCES households (id),
    full_name           TEXT NOT NULL,
    phone               TEXT,
    email               TEXT,
    date_of_birth       TEXT,
    age_band            TEXT,
    preferred_language  TEXT,
    contact_preferences TEXT NOT NULL,    -- JSON ContactPreferences
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    updated_by          TEXT NOT NULL,
    device_id           TEXT NOT NULL,
    hlc                 TEXT NOT NULL,
    field_versions      TEXT NOT NULL
) STRICT;
CREATE INDEX persons_household ON persons (household_id);

CREATE TABLE visits (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    household_id   TEXT NOT NULL REFERENCES households (id),
    kind           TEXT NOT NULL,
    visit_date     TEXT NOT NULL,
    officer_id     TEXT NOT NULL REFERENCES officers (id),
    outcome        TEXT,
    notes          TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    hlc            TEXT NOT NULL,
    field_versions TEXT NOT NULL
) STRICT;
CREATE INDEX visits_date ON visits (visit_date);
CREATE INDEX visits_household ON visits (household_id, visit_date);

-- Reference data from the council's gazetteer: not records of ours, so not in the outbox.
CREATE TABLE gazetteer (
    uprn           INTEGER PRIMARY KEY,
    address_line_1 TEXT NOT NULL,
    address_line_2 TEXT,
    address_line_3 TEXT,
    town           TEXT NOT NULL,
    postcode       TEXT NOT NULL,
    coordinates    TEXT,
    easting        REAL,                  -- British National Grid metres, from coordinates,
    northing       REAL,                  -- so neighbours are found with a box query
    street         TEXT                   -- lower-case street name, for "doors either side"
) STRICT;
CREATE INDEX gazetteer_position ON gazetteer (easting, northing);
CREATE INDEX gazetteer_street ON gazetteer (street, easting);

-- Full-text search. rowid = households.seq / gazetteer.uprn. The postcode column holds
-- both "NG18 2AB" and "NG182AB" so either way of typing it finds the home.
-- Contentless (the text already lives in the tables above), so each save writes fewer
-- encrypted pages; contentless_delete lets a corrected address replace its entry.
CREATE VIRTUAL TABLE household_search USING fts5 (
    address, postcode, residents,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
-- Households whose search entry must be rewritten before the next search (address or
-- residents changed). New households need no row here: every household with a seq
-- above the 'search_indexed_upto' setting is indexed by the next search, so a save
-- writes only its row and its outbox entry, and the index catches up in one batch.
CREATE TABLE household_search_pending (
    seq INTEGER PRIMARY KEY
) STRICT;

CREATE VIRTUAL TABLE gazetteer_search USING fts5 (
    address, postcode,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- Every local change, in order, waiting to be pushed to the hub.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY,       -- no AUTOINCREMENT: one less page per save
    change_id  TEXT NOT NULL,             -- UUIDv7; the hub deduplicates on it
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    operation  TEXT NOT NULL,
    payload    TEXT NOT NULL,
    source     TEXT NOT NULL,
    hlc        TEXT NOT NULL,
    officer_id TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    pushed_at  TEXT
) STRICT;
