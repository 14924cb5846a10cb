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
-- in time order because the hub and laptops both write them in UTC.
CREATE TABLE referral_index (
    referral_id TEXT PRIMARY KEY,
    agency_id   TEXT NOT NULL,
    status      TEXT NOT NULL,
    urgency     TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    due_at      TEXT NOT NULL
);
-- One index per list: a status tab, and all of an agency's referrals; both in list order.
CREATE INDEX referral_index_status
    ON referral_index (agency_id, status, due_at, referral_id);
CREATE INDEX referral_index_due ON referral_index (agency_id, due_at, referral_id);
-- Referrals waiting on the hub to deliver them, for the sweep that retries them.
CREATE INDEX referral_index_queued ON referral_index (status, referral_id);

CREATE TRIGGER referral_index_insert AFTER INSERT ON records
WHEN NEW.entity = 'referral'
BEGIN
    INSERT INTO referral_index (referral_id, agency_id, status, urgency, sent_at, due_at)
    SELECT NEW.entity_id, json_extract(NEW.fields, '$.agency_id'),
           coalesce(json_extract(NEW.fields, '$.status'), 'draft'),
           coalesce(json_extract(NEW.fields, '$.urgency'), 'routine'),
           coalesce(json_extract(NEW.fields, '$.sent_at'), ''),
           coalesce(json_extract(NEW.fields, '$.due_at'), '')
    WHERE NEW.tombstone = 0 AND json_valid(NEW.fields)
      AND json_type(NEW.fields, '$.agency_id') = 'text'
    ON CONFLICT (referral_id) DO UPDATE SET agency_id = excluded.agency_id,
        status = excluded.status, urgency = excluded.urgency,
        sent_at = excluded.sent_at, due_at = excluded.due_at;
END;

CREATE TRIGGER referral_index_update AFTER UPDATE ON records
WHEN NEW.entity = 'referral' OR OLD.entity = 'referral'
BEGIN
    DELETE FROM referral_index WHERE referral_id = OLD.entity_id AND OLD.entity = 'referral';
    INSERT INTO referral_index (referral_id, agency_id, status, urgency, sent_at, due_at)
    SELECT NEW.entity_id, json_extract(NEW.fields, '$.agency_id'),
           coalesce(json_extract(NEW.fields, '$.status'), 'draft'),
           coalesce(json_extract(NEW.fields, '$.urgency'), 'routine'),
           coalesce(json_extract(NEW.fields, '$.sent_at'), ''),
           coalesce(json_extract(NEW.fields, '$.due_at'), '')
    WHERE NEW.entity = 'referral' AND NEW.tombstone = 0 AND json_valid(NEW.fields)
      AND json_type(NEW.fields, '$.agency_id') = 'text'
    ON CONFLICT (referral_id) DO UPDATE SET agency_id = excluded.agency_id,
        status = excluded.status, urgency = excluded.urgency,
        sent_at = excluded.sent_at, due_at = excluded.due_at;
END;

CREATE TRIGGER referral_index_delete AFTER DELETE ON records
WHEN OLD.entity = 'referral'
BEGIN
    DELETE FROM referral_index WHERE referral_id = OLD.entity_id;
END;

INSERT INTO referral_index (referral_id, agency_id, status, urgency, sent_at, due_at)
SELECT entity_id, json_extract(fields, '$.agency_id'),
       coalesce(json_extract(fields, '$.status'), 'draft'),
       coalesce(json_extract(fields, '$.urgency'), 'routine'),
       coalesce(json_extract(fields, '$.sent_at'), ''),
       coalesce(json_extract(fields, '$.due_at'), '')
FROM records
WHERE entity = 'referral' AND tombstone = 0 AND json_valid(fields)
  AND json_type(fields, '$.agency_id') = 'text';

-- An email to tell an agency's mailbox that a referral is waiting in its inbox, written in
-- the transaction that delivers the referral so none is ever lost, and sent (and retried
-- with backoff) by the hub's mail sender. The email names no one; the form goes with it
-- only when the directory says the mailbox is secure (`attach_form`).
CREATE TABLE referral_notifications (
    referral_id     TEXT PRIMARY KEY,
    agency_id       TEXT NOT NULL,
    address         TEXT NOT NULL,
    attach_form     INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,            -- why the last attempt failed, for the supervisor
    sent_at         INTEGER,         -- accepted by the mail relay
    form_attached   INTEGER NOT NULL DEFAULT 0 -- the form went with it (recorded, as required)
);
CREATE INDEX referral_notifications_due
    ON referral_notifications (next_attempt_at) WHERE sent_at IS NULL;
