-- Home security surveys. Answers are saved one at a time as the officer gives them;
-- each answer is its own synced field ("answers.<item>") in field_versions, so two
-- devices answering different questions never conflict.
CREATE TABLE surveys (
    seq              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    household_id     TEXT NOT NULL REFERENCES households (id),
    visit_id         TEXT REFERENCES visits (id),
    template_id      TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    answers          TEXT NOT NULL,       -- JSON AnswerMap, by item id
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    updated_by       TEXT NOT NULL,
    device_id        TEXT NOT NULL,
    hlc              TEXT NOT NULL,
    field_versions   TEXT NOT NULL
) STRICT;
CREATE INDEX surveys_household ON surveys (household_id);
