-- The partnership's reports (issue 14): for each record a report counts, the fact it says
-- (doorstep_reports::fact::Fact as JSON: dates, statuses, tiers, costs, outcomes; never a
-- name, a note or a health answer), and the latest day it carries, so a report reads only
-- the facts that can fall in its period. Derived from `records` as the hub writes them (and
-- rebuilt with the case index), deleted with its record by an erasure or a disposal; a
-- record the retention schedule anonymises keeps the fact of its figure fields.

CREATE TABLE report_facts (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    team_id   TEXT NOT NULL,
    parent_id TEXT,
    last_day  TEXT COLLATE "C",
    fact      TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id)
);
-- A period's facts: every fact whose latest day falls on or after the period's first day.
CREATE INDEX report_facts_last_day ON report_facts (last_day, team_id);
-- The facts counted through one another: a visit's surveys, a cocoon's doors.
CREATE INDEX report_facts_parent ON report_facts (parent_id) WHERE parent_id IS NOT NULL;
