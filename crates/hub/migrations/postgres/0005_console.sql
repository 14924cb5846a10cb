-- The council console (issue 12): a new role, `dpo`, and the console's accounts and
-- sessions. Times are Unix milliseconds (UTC). Forward-only: a later change is a new file.

-- A data protection officer is a user like any other; the role check is widened.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN
    ('officer', 'fire_crew', 'warden', 'supervisor', 'contractor', 'analyst', 'admin', 'dpo'));

-- A hub user who signs in to the console. Made with the user when an administrator
-- gives an email; the password (Argon2id PHC string) is chosen through a one-time set-up
-- link, of which only the SHA-256 is kept, until it is used or expires. The TOTP secret
-- is made when the set-up page is first shown and only counts once set-up is complete.
CREATE TABLE console_accounts (
    user_id          TEXT PRIMARY KEY REFERENCES users (id),
    email            TEXT NOT NULL UNIQUE, -- lower case: how the user signs in
    password_hash    TEXT,                 -- NULL until set up
    totp_secret      TEXT,
    totp_last_step   BIGINT,              -- a code is accepted once (RFC 6238 §5.2)
    setup_hash       TEXT UNIQUE,
    setup_expires_at BIGINT,
    disabled_at      BIGINT,
    created_at       BIGINT NOT NULL
);

-- Signed-in browsers, as the portal's: only the SHA-256 of the cookie's value is kept.
-- The failed sign-ins are counted in `portal_sign_in_failures`, under `console:` keys for
-- accounts and the shared `address:` keys (one budget per address across both apps).
CREATE TABLE console_sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES console_accounts (user_id),
    csrf         TEXT NOT NULL,
    stage        TEXT NOT NULL CHECK (stage IN ('code', 'full')),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);
