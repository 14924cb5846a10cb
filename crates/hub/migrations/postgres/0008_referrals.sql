-- Partner referrals reach their agencies (issue 13): agencies are portal organisations
-- beside fitting firms; an index of delivered referrals by agency for the inbox; and the
-- outbox of emails telling an agency's mailbox that a referral is waiting.
-- Times are Unix milliseconds (UTC). Forward-only: a later change is a new file.

-- A portal organisation is a fitting firm (work orders) or a partner agency (referrals);
-- an agency's id is the one in the agency directory, which referrals carry as `agency_id`.
ALTER TABLE portal_firms ADD COLUMN kind TEXT NOT NULL DEFAULT 'firm'
    CHECK (kind IN ('firm', 'agency'));

-- Referrals by agency and status, kept by triggers on `records`, so an agency's inbox and
-- its counts never parse every referral's JSON. A referral is always read from `records`.
-- `sent_at` and `due_at` are the record's RFC 3339 texts ('' until delivered), which sort
-- in time order because the hub and laptops both write them in UTC. COLLATE "C" so text
-- sorts by bytes, as on SQLite.
CREATE TABLE referral_index (
    referral_id TEXT PRIMARY KEY,
    agency_id   TEXT COLLATE "C" NOT NULL,
    status      TEXT COLLATE "C" NOT NULL,
    urgency     TEXT COLLATE "C" NOT NULL,
    sent_at     TEXT COLLATE "C" NOT NULL,
    due_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX referral_index_status
    ON referral_index (agency_id, status, due_at, referral_id);
CREATE INDEX referral_index_due ON referral_index (agency_id, due_at, referral_id);
CREATE INDEX referral_index_queued ON referral_index (status, referral_id);

CREATE FUNCTION referral_index_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    doc jsonb;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.entity = 'referral' THEN
        DELETE FROM referral_index WHERE referral_id = OLD.entity_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.entity = 'referral' AND NOT NEW.tombstone THEN
        BEGIN
            doc := NEW.fields::jsonb;
        EXCEPTION WHEN others THEN
            RETURN NULL;
        END;
        IF jsonb_typeof(doc -> 'agency_id') = 'string' THEN
            INSERT INTO referral_index (referral_id, agency_id, status, urgency, sent_at, due_at)
            VALUES (NEW.entity_id, doc ->> 'agency_id', coalesce(doc ->> 'status', 'draft'),
                    coalesce(doc ->> 'urgency', 'routine'), coalesce(doc ->> 'sent_at', ''),
                    coalesce(doc ->> 'due_at', ''))
            ON CONFLICT (referral_id) DO UPDATE SET agency_id = excluded.agency_id,
                status = excluded.status, urgency = excluded.urgency,
                sent_at = excluded.sent_at, due_at = excluded.due_at;
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER referral_index_insert AFTER INSERT ON records
    FOR EACH ROW WHEN (NEW.entity = 'referral')
    EXECUTE FUNCTION referral_index_sync();
CREATE TRIGGER referral_index_update AFTER UPDATE ON records
    FOR EACH ROW WHEN (NEW.entity = 'referral' OR OLD.entity = 'referral')
    EXECUTE FUNCTION referral_index_sync();
CREATE TRIGGER referral_index_delete AFTER DELETE ON records
    FOR EACH ROW WHEN (OLD.entity = 'referral')
    EXECUTE FUNCTION referral_index_sync();

INSERT INTO referral_index (referral_id, agency_id, status, urgency, sent_at, due_at)
SELECT entity_id, doc ->> 'agency_id', coalesce(doc ->> 'status', 'draft'),
       coalesce(doc ->> 'urgency', 'routine'), coalesce(doc ->> 'sent_at', ''),
       coalesce(doc ->> 'due_at', '')
FROM (SELECT entity_id, fields::jsonb AS doc FROM records
      WHERE entity = 'referral' AND NOT tombstone) AS referrals
WHERE jsonb_typeof(doc -> 'agency_id') = 'string';

-- An email to tell an agency's mailbox that a referral is waiting in its inbox, written in
-- the transaction that delivers the referral so none is ever lost, and sent (and retried
-- with backoff) by the hub's mail sender. The email names no one; the form goes with it
-- only when the directory says the mailbox is secure (`attach_form`).
CREATE TABLE referral_notifications (
    referral_id     TEXT PRIMARY KEY,
    agency_id       TEXT NOT NULL,
    address         TEXT NOT NULL,
    attach_form     BOOLEAN NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    sent_at         BIGINT,
    form_attached   BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX referral_notifications_due
    ON referral_notifications (next_attempt_at) WHERE sent_at IS NULL;
