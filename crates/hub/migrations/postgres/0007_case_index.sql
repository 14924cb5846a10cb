-- The console's case index (ADR 019): for each record about a household, the household it
-- belongs to, where it is in its lifecycle and the dates the coordinators' lists cut by;
-- and the words a search finds a household by. Derived from `records` as the hub writes
-- them (and rebuilt from them when the index's rules change), never edited by hand.
-- Text compared by range (words, postcodes, dates) is byte-ordered ("C"), so a prefix
-- search is an index range whatever the database's locale.

CREATE TABLE case_index (
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    team_id      TEXT NOT NULL,
    household_id TEXT,
    parent_kind  TEXT,
    parent_id    TEXT,
    status       TEXT,
    since        TEXT COLLATE "C",
    due          TEXT COLLATE "C",
    until        TEXT COLLATE "C",
    postcode     TEXT COLLATE "C",
    PRIMARY KEY (entity, entity_id)
);
CREATE INDEX case_index_household ON case_index (household_id);
-- A cocoon's doors still without an outcome, counted from the index alone.
CREATE INDEX case_index_parent ON case_index (parent_id, entity, status);
-- A list's rows in its order, with what its page and its count read (team, household,
-- dates), so both are index-only scans that never visit the table (issue 12's bench:
-- the counts of a 1,000,000-household hub read every listed row's heap page otherwise).
CREATE INDEX case_index_due ON case_index (entity, status, due, entity_id)
    INCLUDE (team_id, household_id, since, until);
CREATE INDEX case_index_since ON case_index (entity, status, since, entity_id)
    INCLUDE (team_id, household_id, due);
-- The same for one team's lists (a supervisor's): only that team's rows are read.
CREATE INDEX case_index_team_due ON case_index (entity, team_id, status, due, entity_id)
    INCLUDE (household_id, since, until);
CREATE INDEX case_index_team_since ON case_index (entity, team_id, status, since, entity_id)
    INCLUDE (household_id, due);
CREATE INDEX case_index_postcode ON case_index (postcode) INCLUDE (team_id, entity)
    WHERE postcode IS NOT NULL;

CREATE TABLE case_words (
    word         TEXT COLLATE "C" NOT NULL,
    household_id TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    team_id      TEXT NOT NULL,
    -- A word's range is read from the key alone: its households and teams are in it.
    PRIMARY KEY (word, entity, entity_id) INCLUDE (household_id, team_id)
);
CREATE INDEX case_words_record ON case_words (entity, entity_id);
-- Whether a household has a word starting so: one probe per household a search checks.
CREATE INDEX case_words_household ON case_words (household_id, word) INCLUDE (team_id, entity);
