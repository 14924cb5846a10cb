-- The retention schedule on the hub (issue 16): what each daily run disposed of, the
-- anonymised records kept for the partnership's figures, and the one way audit lines may
-- leave the append-only log (past the schedule's period). No row here holds anything
-- about a person: runs count records by class; anonymised records keep only the fields
-- the data map marks as not about a person or as figures.

CREATE TABLE retention_runs (
    id          TEXT PRIMARY KEY,
    as_of       TEXT NOT NULL,     -- the day the schedule was applied for, YYYY-MM-DD
    run_by      TEXT NOT NULL,     -- 'schedule' for the daily job, else a hub user id
    started_at  BIGINT NOT NULL,
    finished_at BIGINT,
    outcome     TEXT,              -- 'done', or why it stopped
    held_back   BIGINT NOT NULL DEFAULT 0,
    audit_lines BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX retention_runs_started ON retention_runs (started_at);

CREATE TABLE retention_disposals (
    run_id  TEXT NOT NULL REFERENCES retention_runs (id),
    class   TEXT NOT NULL,
    action  TEXT NOT NULL CHECK (action IN ('delete', 'anonymise')),
    records BIGINT NOT NULL,
    PRIMARY KEY (run_id, class, action)
);

-- Never synced, never shown as casework: the figures' rows once the people are gone.
CREATE TABLE anonymised_records (
    entity        TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    team_id       TEXT NOT NULL,
    fields        TEXT NOT NULL,
    anonymised_at BIGINT NOT NULL,
    PRIMARY KEY (entity, entity_id)
);

-- A disposal's removals for laptops, until they are numbered into the change log: on
-- PostgreSQL a batch is disposed of first, then takes the change-log counter only to number
-- them, so pushes never wait for a whole batch. Empty between runs.
CREATE TABLE retention_removals (
    change_id TEXT PRIMARY KEY,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    team_id   TEXT NOT NULL,
    body      TEXT NOT NULL,
    device_id TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    at        BIGINT NOT NULL
);

-- A disposal (and an erasure) deletes a record's log entries and conflicts by its kind and
-- id, a few hundred at a time: without these each batch would read the whole table.
CREATE INDEX change_log_record ON change_log (entity, entity_id);
CREATE INDEX conflicts_record ON conflicts (entity, entity_id);

-- The audit log stays append-only, except that a line older than the cutoff the
-- retention run sets may be deleted.
CREATE TABLE audit_log_cutoff (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    before BIGINT NOT NULL
);
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND OLD.at < COALESCE((SELECT before FROM audit_log_cutoff WHERE id = 1), 0) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
