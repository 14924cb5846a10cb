-- Who opened which household on a laptop (issue 16, item 5): `POST /v1/audit/openings`
-- writes one `open` line to `audit_log` per opening, once. This table is how the hub
-- knows an opening it has seen, so a retried batch writes no second line. Keyed by the
-- sending device too, so no laptop can use up another's ids.
-- Numbered 0010 after 0009, made at the same time; the schema applies every
-- listed version it has not applied yet, whatever the order they arrive in.
-- Times are Unix milliseconds (UTC). Forward-only: a later change is a new file.
CREATE TABLE audit_openings (
    device_id   TEXT NOT NULL,
    opening_id  TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (device_id, opening_id)
);
