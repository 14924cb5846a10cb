-- The council console (issue 12): a new role, `dpo`, and the console's accounts and
-- sessions. Times are Unix milliseconds (UTC). Forward-only: a later change is a new file.

-- SQLite cannot change a CHECK constraint in place: `users` is rebuilt with `dpo` allowed
-- (SQLite's documented twelve steps). The tables that refer to `users` name it by name, so
-- once the new table takes the name their references hold again; the migration runs with
-- foreign keys off and checks them all before it commits (`schema::migrate`).
CREATE TABLE users_with_dpo (
    id         TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL REFERENCES teams (id),
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN
        ('officer', 'fire_crew', 'warden', 'supervisor', 'contractor', 'analyst', 'admin',
         'dpo')),
    created_at INTEGER NOT NULL
);
INSERT INTO users_with_dpo (id, team_id, name, role, created_at)
    SELECT id, team_id, name, role, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_with_dpo RENAME TO users;

-- A hub user who signs in to the console. Made with the user when an administrator
-- gives an email; the password (Argon2id PHC string) is chosen through a one-time set-up
-- link, of which only the SHA-256 is kept, until it is used or expires. The TOTP secret
-- is made when the set-up page is first shown and only counts once set-up is complete.
CREATE TABLE console_accounts (
    user_id          TEXT PRIMARY KEY REFERENCES users (id),
    email            TEXT NOT NULL UNIQUE, -- lower case: how the user signs in
    password_hash    TEXT,                 -- NULL until set up
    totp_secret      TEXT,
    totp_last_step   INTEGER,              -- a code is accepted once (RFC 6238 §5.2)
    setup_hash       TEXT UNIQUE,
    setup_expires_at INTEGER,
    disabled_at      INTEGER,
    created_at       INTEGER NOT NULL
);

-- Signed-in browsers, as the portal's: only the SHA-256 of the cookie's value is kept.
-- The failed sign-ins are counted in `portal_sign_in_failures`, under `console:` keys for
-- accounts and the shared `address:` keys (one budget per address across both apps).
CREATE TABLE console_sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES console_accounts (user_id),
    csrf         TEXT NOT NULL,
    stage        TEXT NOT NULL CHECK (stage IN ('code', 'full')),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);
