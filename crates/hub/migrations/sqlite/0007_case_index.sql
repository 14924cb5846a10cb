-- The console's case index (ADR 019): for each record about a household, the household it
-- belongs to, where it is in its lifecycle and the dates the coordinators' lists cut by;
-- and the words a search finds a household by. Derived from `records` as the hub writes
-- them (and rebuilt from them when the index's rules change), never edited by hand.

CREATE TABLE case_index (
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    team_id      TEXT NOT NULL,
    household_id TEXT,
    parent_kind  TEXT,
    parent_id    TEXT,
    status       TEXT,
    since        TEXT,
    due          TEXT,
    until        TEXT,
    postcode     TEXT,
    PRIMARY KEY (entity, entity_id)
);
CREATE INDEX case_index_household ON case_index (household_id);
-- A cocoon's doors still without an outcome, counted from the index alone.
CREATE INDEX case_index_parent ON case_index (parent_id, entity, status);
-- A list's rows in its order, with what its page and its count read (team, household,
-- dates), so both are covering-index scans that never visit the table (issue 12).
CREATE INDEX case_index_due
    ON case_index (entity, status, due, entity_id, team_id, household_id, since, until);
CREATE INDEX case_index_since
    ON case_index (entity, status, since, entity_id, team_id, household_id, due);
-- The same for one team's lists (a supervisor's): only that team's rows are read.
CREATE INDEX case_index_team_due
    ON case_index (entity, team_id, status, due, entity_id, household_id, since, until);
CREATE INDEX case_index_team_since
    ON case_index (entity, team_id, status, since, entity_id, household_id, due);
CREATE INDEX case_index_postcode ON case_index (postcode, team_id, entity)
    WHERE postcode IS NOT NULL;

CREATE TABLE case_words (
    word         TEXT NOT NULL,
    household_id TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    team_id      TEXT NOT NULL,
    PRIMARY KEY (word, entity, entity_id)
) WITHOUT ROWID; -- a word's range is read from the key's b-tree, households and teams in it
CREATE INDEX case_words_record ON case_words (entity, entity_id);
-- Whether a household has a word starting so: one probe per household a search checks.
CREATE INDEX case_words_household ON case_words (household_id, word, team_id);
