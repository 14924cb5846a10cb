-- The hub's embedded SQLite schema, version 1. Times are Unix milliseconds (UTC).
-- Forward-only: a later change is a new file, never an edit of this one.

CREATE TABLE organisations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL REFERENCES teams (id),
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN
        ('officer', 'fire_crew', 'warden', 'supervisor', 'contractor', 'analyst', 'admin')),
    created_at INTEGER NOT NULL
);

-- One-time codes: only their SHA-256 is kept; used_at is set by the enrolment that spends one.
CREATE TABLE enrolment_codes (
    code_hash  TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    device_id  TEXT
);

CREATE TABLE devices (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

-- Access and refresh tokens, by SHA-256. A refresh token is spent once (used_at).
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    device_id  TEXT NOT NULL REFERENCES devices (id),
    kind       TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX tokens_device ON tokens (device_id);

-- The hub's copy of every synced record: the merged state.
CREATE TABLE records (
    entity         TEXT NOT NULL,
    entity_id      TEXT NOT NULL,
    team_id        TEXT NOT NULL REFERENCES teams (id),
    fields         TEXT NOT NULL,
    field_versions TEXT NOT NULL,
    tombstone      INTEGER NOT NULL DEFAULT 0,
    updated_seq    INTEGER NOT NULL,
    PRIMARY KEY (entity, entity_id)
);

-- The change log devices pull from. seq comes from the counters row, bumped inside the
-- push transaction, so seqs become visible in order and a cursor never skips one.
CREATE TABLE change_log (
    seq        INTEGER PRIMARY KEY,
    change_id  TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    team_id    TEXT NOT NULL,
    operation  TEXT NOT NULL,
    change     TEXT NOT NULL, -- the change as applied (only the fields that took effect), JSON
    device_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX change_log_team_seq ON change_log (team_id, seq);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('change_log', 0);

-- Every change id the hub has taken in, so a retried push is applied once.
CREATE TABLE applied_changes (
    change_id  TEXT PRIMARY KEY,
    device_id  TEXT NOT NULL REFERENCES devices (id),
    seq        INTEGER,
    applied_at INTEGER NOT NULL
);

-- Per device: the last change it pushed and the change-log position it has pulled to.
CREATE TABLE device_cursors (
    device_id      TEXT PRIMARY KEY REFERENCES devices (id),
    last_change_id TEXT,
    pulled_seq     INTEGER NOT NULL DEFAULT 0,
    updated_at     INTEGER NOT NULL
);

-- Guarded fields the merge would not overwrite: kept for a supervisor to decide.
CREATE TABLE conflicts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id   TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    field       TEXT NOT NULL,
    conflict    TEXT NOT NULL, -- both values, their versions, who and when (JSON)
    device_id   TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    at          INTEGER NOT NULL,
    resolved_at INTEGER,
    UNIQUE (change_id, field)
);

-- Append-only: who read or changed what, and every refused attempt.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    user_id   TEXT,
    device_id TEXT,
    action    TEXT NOT NULL,
    entity    TEXT,
    entity_id TEXT,
    outcome   TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
