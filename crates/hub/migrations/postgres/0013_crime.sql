-- Police crime data (issue 14): burglaries read from the police's street-level CSV or a
-- force's UPRN-matched extract (doorstep_reports::crime), for the reports' before-and-after
-- figures and repeat victimisation. Criminal offence data about places, with no names; a
-- UPRN points at a home, so these rows stay on the hub and never sync to laptops. They are
-- not about a resident's record, so erasure and the retention schedule leave them.

-- One row per import: who imported which file, and what came of it.
CREATE TABLE crime_imports (
    id           TEXT PRIMARY KEY,
    source       TEXT NOT NULL CHECK (source IN ('street_level', 'force_extract')),
    file_label   TEXT NOT NULL,
    rows_added   BIGINT NOT NULL,
    rows_updated BIGINT NOT NULL,
    rejected     BIGINT NOT NULL,
    skipped      BIGINT NOT NULL,
    imported_by  TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX crime_imports_at ON crime_imports (at);

-- One row per burglary, keyed by the police's crime id or the force's reference (prefixed
-- police: or force:), so importing a file again updates its rows instead of doubling them.
CREATE TABLE crime_burglaries (
    key         TEXT PRIMARY KEY,
    source      TEXT NOT NULL CHECK (source IN ('street_level', 'force_extract')),
    day         TEXT NOT NULL,     -- YYYY-MM-DD; the first of the month for street-level rows
    uprn        TEXT,
    postcode    TEXT,
    lsoa        TEXT,
    imported_at BIGINT NOT NULL,
    import_id   TEXT NOT NULL REFERENCES crime_imports (id)
);
-- Reports read a period's burglaries by day.
CREATE INDEX crime_burglaries_day ON crime_burglaries (day);
