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
CREATE INDEX case_index_parent ON case_index (parent_id);
CREATE INDEX case_index_due ON case_index (entity, status, due);
CREATE INDEX case_index_since ON case_index (entity, status, since);
CREATE INDEX case_index_postcode ON case_index (postcode) WHERE postcode IS NOT NULL;

CREATE TABLE case_words (
    word         TEXT COLLATE "C" NOT NULL,
    household_id TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    team_id      TEXT NOT NULL,
    PRIMARY KEY (word, entity, entity_id)
);
CREATE INDEX case_words_record ON case_words (entity, entity_id);
