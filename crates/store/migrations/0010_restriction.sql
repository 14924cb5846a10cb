-- Restriction of processing (UK GDPR Art. 18, issue 16): the hub marks a household whose
-- resident asked for it, and this laptop then refuses every write to the household's
-- records (`tracking::Writer::track`). 1 = restricted. Written only from the hub's record.
ALTER TABLE households ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0 CHECK (restricted IN (0, 1));
