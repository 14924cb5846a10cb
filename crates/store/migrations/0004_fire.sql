-- CHARLIE checks, partner referrals and days of action.

-- A CHARLIE check, stored whole (JSON core::fire::CharlieCheck); level copied for lists.
CREATE TABLE charlie_checks (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    household_id   TEXT REFERENCES households (id),
    person_id      TEXT REFERENCES persons (id),
    level          TEXT NOT NULL,
    body           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    hlc            TEXT NOT NULL,
    field_versions TEXT NOT NULL
) STRICT;
CREATE INDEX charlie_checks_household ON charlie_checks (household_id);

-- A referral, stored whole (JSON core::fire::Referral); status and due time copied out so
-- overdue referrals are found without reading every body.
CREATE TABLE referrals (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    household_id   TEXT NOT NULL REFERENCES households (id),
    person_id      TEXT NOT NULL REFERENCES persons (id),
    status         TEXT NOT NULL,
    due_at         TEXT,
    body           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    hlc            TEXT NOT NULL,
    field_versions TEXT NOT NULL
) STRICT;
CREATE INDEX referrals_household ON referrals (household_id);
CREATE INDEX referrals_status ON referrals (status, due_at);

CREATE TABLE days_of_action (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    day            TEXT NOT NULL,
    area           TEXT NOT NULL,
    crew           TEXT NOT NULL,       -- JSON array of names
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    hlc            TEXT NOT NULL,
    field_versions TEXT NOT NULL
) STRICT;

-- The doors on a day's list; an address is on a list once.
CREATE TABLE day_doors (
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
    field_versions TEXT NOT NULL,
    UNIQUE (day_id, uprn)
) STRICT;

-- Every knock is its own record (JSON core::fire::DoorRecord): crews on two laptops working
-- one street never overwrite each other, and the summary counts every knock.
CREATE TABLE door_knocks (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    day_id         TEXT NOT NULL REFERENCES days_of_action (id),
    door_id        TEXT NOT NULL REFERENCES day_doors (id),
    body           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    hlc            TEXT NOT NULL,
    field_versions TEXT NOT NULL
) STRICT;
CREATE INDEX door_knocks_day ON door_knocks (day_id, door_id);
