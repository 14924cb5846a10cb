-- The console's audit log page and its CSV export (issue 12, part 4), and the app version
-- on the console's laptops page. Forward-only: a later change is a new file.

-- The audit log is read newest first, whole or narrowed to a person or a record: one
-- index per way in, each ending in the time it is sorted by.
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user_at ON audit_log (user_id, at);
CREATE INDEX audit_log_entity_at ON audit_log (entity, entity_id, at);

-- The version of Doorstep a laptop last said it runs (its `User-Agent: doorstep/<version>`),
-- recorded when an authenticated request brings a new one; NULL until then.
ALTER TABLE devices ADD COLUMN app_version TEXT;
