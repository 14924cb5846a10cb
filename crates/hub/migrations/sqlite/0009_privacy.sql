-- The data protection officer's register of people's requests about their data, legal
-- holds, and what erasure removed (issue 16). No column holds a person's name, address or
-- any other detail of the records: an erased person must not live on in the register.

CREATE TABLE privacy_requests (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('access', 'erasure', 'restriction')),
    reference    TEXT NOT NULL,  -- the council's own case reference, never the person's name
    household_id TEXT NOT NULL,
    person_id    TEXT,           -- one resident; none for the whole household
    dates        TEXT NOT NULL,  -- core::privacy::request::RequestDates, JSON
    decision     TEXT,           -- core::privacy::request::Decision, JSON
    decided_by   TEXT,
    decided_at   INTEGER,
    erased       INTEGER,        -- how many records an erasure removed
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX privacy_requests_created ON privacy_requests (created_at);

-- A household whose records must not be erased (a claim, an inquiry): erasure refuses.
CREATE TABLE legal_holds (
    household_id TEXT PRIMARY KEY,
    reason       TEXT NOT NULL,
    placed_by    TEXT NOT NULL,
    placed_at    INTEGER NOT NULL
);

-- The ids of erased records (random UUIDs, no content), so a change a laptop pushes later
-- to one, or to a record that refers to one, is thrown away instead of bringing it back.
CREATE TABLE erased_records (
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    request_id TEXT NOT NULL,
    erased_at  INTEGER NOT NULL,
    PRIMARY KEY (entity, entity_id)
);
CREATE INDEX erased_records_id ON erased_records (entity_id);

-- Who received the erased data and must be told: agencies sent a referral, firms sent a
-- work order. Named by the directory's and the firm's names, never by what was sent.
CREATE TABLE erasure_recipients (
    request_id TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('agency', 'firm')),
    name       TEXT NOT NULL,
    what       TEXT NOT NULL,
    told_at    INTEGER,
    told_by    TEXT,
    PRIMARY KEY (request_id, kind, name)
);
