-- Local changes the hub can no longer take: their record moved to another team on the hub
-- while this laptop was away, so the hub refuses them. They leave the outbox, so the rest
-- of it can be sent, and are kept here (never dropped) for the officer to see and report.
CREATE TABLE set_aside_changes (
    seq          INTEGER PRIMARY KEY,     -- the outbox seq it had: the order it was made in
    change_id    TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    operation    TEXT NOT NULL,
    payload      TEXT NOT NULL,
    source       TEXT NOT NULL,
    hlc          TEXT NOT NULL,
    officer_id   TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    set_aside_at TEXT NOT NULL,
    place        TEXT              -- the household's address, read before it was removed
) STRICT;

-- A record that leaves this laptop's scope is found in the few unsent rows by its id alone.
CREATE INDEX outbox_unpushed_by_id ON outbox (entity_id) WHERE pushed_at IS NULL;
