-- The hub's embedded SQLite schema, version 2: conflicts as synced records (the hub's own
-- clock), attachments, records leaving a team's scope, role and team changes, tombstones
-- and log compaction. Times are Unix milliseconds (UTC). Forward-only.

-- A log entry either carries a change or tells a team's devices to drop a record that
-- left their scope ('remove'; `change` then holds `{"entity", "entity_id"}`).
ALTER TABLE change_log ADD COLUMN kind TEXT NOT NULL DEFAULT 'change'
    CHECK (kind IN ('change', 'remove'));

-- When a record became a tombstone, so `purge` can drop it once it is old enough.
ALTER TABLE records ADD COLUMN tombstoned_at INTEGER;
UPDATE records SET tombstoned_at =
    (SELECT at FROM change_log WHERE change_log.seq = records.updated_seq)
WHERE tombstone = 1;

-- Set when the user's team or role changed: the device must drop its synced records and
-- pull from 0; cleared by that pull.
ALTER TABLE device_cursors ADD COLUMN resync_needed INTEGER NOT NULL DEFAULT 0;

-- Entries at or below the horizon have been compacted: a cursor below it cannot resume.
INSERT INTO counters (name, value) VALUES ('horizon', 0);

-- The hub's own identity (the device and officer of the changes it makes, such as
-- conflict records) and the last reading of its clock, so it never goes backwards.
CREATE TABLE hub_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Photos and signatures by SHA-256, stored once whoever uploads them.
CREATE TABLE attachments (
    sha256     TEXT PRIMARY KEY,
    bytes      BLOB NOT NULL,
    size       INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- The teams that may download an attachment: those whose devices uploaded its bytes, or
-- that received a record referring to it from another team (then no device or user).
CREATE TABLE attachment_teams (
    sha256    TEXT NOT NULL REFERENCES attachments (sha256),
    team_id   TEXT NOT NULL REFERENCES teams (id),
    device_id TEXT REFERENCES devices (id),
    user_id   TEXT REFERENCES users (id),
    at        INTEGER NOT NULL,
    PRIMARY KEY (sha256, team_id)
);
