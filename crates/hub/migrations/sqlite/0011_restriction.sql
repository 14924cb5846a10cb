-- Restriction of processing (UK GDPR Art. 18, issue 16): every record of a household the
-- data protection officer restricted, by id (random UUIDs, no content), so a push or a
-- change the hub would make to one, or to a record that refers to one, is refused. The
-- household's own record carries the synced field `restricted` that laptops read.
CREATE TABLE restricted_records (
    entity_id    TEXT PRIMARY KEY,
    entity       TEXT NOT NULL,
    household_id TEXT NOT NULL,
    request_id   TEXT NOT NULL   -- the granted restriction request it carries out
);
CREATE INDEX restricted_records_household ON restricted_records (household_id);
