-- The contractor portal (issue 7): fitting firms, their users, browser sessions, the
-- sign-in throttle, photos of fitted items, and an index of work orders by firm.
-- Times are Unix milliseconds (UTC). Forward-only: a later change is a new file.

-- A fitting firm; its id is the one in assets/contractors.toml, which work orders carry
-- in their `firm.id` field.
CREATE TABLE portal_firms (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Someone at a firm who signs in to the portal. Their id is the officer id on the changes
-- they make. The password is kept only as an Argon2id PHC string; the TOTP secret (base32)
-- must be readable to check codes, so it relies on the database's own protection.
CREATE TABLE portal_users (
    id             TEXT PRIMARY KEY,
    firm_id        TEXT NOT NULL REFERENCES portal_firms (id),
    email          TEXT NOT NULL UNIQUE, -- lower case: how the user signs in
    name           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE, -- an initial password is used once
    totp_secret    TEXT,
    totp_last_step BIGINT,               -- a code is accepted once (RFC 6238 §5.2)
    disabled_at    BIGINT,
    created_at     BIGINT NOT NULL
);

-- Signed-in browsers. Only the SHA-256 of the cookie's value is kept. `stage` is 'code'
-- between a right password and the TOTP code, 'full' after. A session ends when idle too
-- long (last_seen_at) or at expires_at (absolute), whichever comes first.
CREATE TABLE portal_sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES portal_users (id),
    csrf         TEXT NOT NULL,
    stage        TEXT NOT NULL CHECK (stage IN ('code', 'full')),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX portal_sessions_user ON portal_sessions (user_id);

-- Failed sign-ins per account ('account:<email>') and per address ('address:<ip>').
CREATE TABLE portal_sign_in_failures (
    key          TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT
);

-- Photos of fitted items, by content digest; the work order's item names the digest.
CREATE TABLE portal_photos (
    order_id    TEXT NOT NULL,
    sha256      TEXT NOT NULL, -- lowercase hex
    media_type  TEXT NOT NULL,
    bytes       BYTEA NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES portal_users (id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (order_id, sha256)
);

-- Work orders by firm and status, kept by triggers on `records`, so a firm's list and its
-- counts never parse every order's JSON. The order itself is always read from `records`.
CREATE TABLE portal_order_index (
    order_id TEXT PRIMARY KEY,
    firm_id  TEXT NOT NULL,
    status   TEXT NOT NULL,
    due_date TEXT NOT NULL,
    number   TEXT NOT NULL
);
-- One index per list: a status tab, and all of a firm's orders; both in the list's order.
CREATE INDEX portal_order_index_status
    ON portal_order_index (firm_id, status, due_date, number, order_id);
CREATE INDEX portal_order_index_due ON portal_order_index (firm_id, due_date, number, order_id);

-- A record that is not valid JSON or names no firm is left out of the index rather than
-- failing the push that wrote it.
CREATE FUNCTION portal_order_index_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    doc jsonb;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.entity = 'work_order' THEN
        DELETE FROM portal_order_index WHERE order_id = OLD.entity_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.entity = 'work_order' AND NOT NEW.tombstone THEN
        BEGIN
            doc := NEW.fields::jsonb;
        EXCEPTION WHEN others THEN
            RETURN NULL;
        END;
        IF jsonb_typeof(doc -> 'firm' -> 'id') = 'string' THEN
            INSERT INTO portal_order_index (order_id, firm_id, status, due_date, number)
            VALUES (NEW.entity_id, doc -> 'firm' ->> 'id', coalesce(doc ->> 'status', 'new'),
                    coalesce(doc ->> 'due_date', ''), coalesce(doc ->> 'number', ''))
            ON CONFLICT (order_id) DO UPDATE SET firm_id = excluded.firm_id,
                status = excluded.status, due_date = excluded.due_date,
                number = excluded.number;
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

-- Separate triggers with WHEN clauses: pushes of other records never call the function.
CREATE TRIGGER portal_order_index_insert AFTER INSERT ON records
    FOR EACH ROW WHEN (NEW.entity = 'work_order')
    EXECUTE FUNCTION portal_order_index_sync();
CREATE TRIGGER portal_order_index_update AFTER UPDATE ON records
    FOR EACH ROW WHEN (NEW.entity = 'work_order' OR OLD.entity = 'work_order')
    EXECUTE FUNCTION portal_order_index_sync();
CREATE TRIGGER portal_order_index_delete AFTER DELETE ON records
    FOR EACH ROW WHEN (OLD.entity = 'work_order')
    EXECUTE FUNCTION portal_order_index_sync();

-- Orders already held when this migration runs (the trigger's rules, in one statement).
INSERT INTO portal_order_index (order_id, firm_id, status, due_date, number)
SELECT entity_id, doc -> 'firm' ->> 'id', coalesce(doc ->> 'status', 'new'),
       coalesce(doc ->> 'due_date', ''), coalesce(doc ->> 'number', '')
FROM (SELECT entity_id, fields::jsonb AS doc FROM records
      WHERE entity = 'work_order' AND NOT tombstone) AS orders
WHERE jsonb_typeof(doc -> 'firm' -> 'id') = 'string';
