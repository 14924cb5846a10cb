//! Which tables an app's sign-in reads and writes. The portal and the console keep their
//! own accounts and sessions, on the same schema in both backends; the backends write
//! the sign-in SQL once and take the table names from here. The names are fixed
//! constants chosen by the enum, never anything a request sent, so putting them into the
//! SQL text is safe.

/// The sign-in tables of one web app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInTables {
    /// The contractor portal's (`portal_users`, `portal_sessions`).
    Portal,
    /// The council console's (`console_accounts`, `console_sessions`).
    Console,
}

impl SignInTables {
    /// The table of sessions.
    pub const fn sessions(self) -> &'static str {
        match self {
            Self::Portal => "portal_sessions",
            Self::Console => "console_sessions",
        }
    }

    /// The table of accounts, which keeps each account's last TOTP step.
    pub const fn accounts(self) -> &'static str {
        match self {
            Self::Portal => "portal_users",
            Self::Console => "console_accounts",
        }
    }

    /// The accounts table's column holding the user's id.
    pub const fn account_user_id(self) -> &'static str {
        match self {
            Self::Portal => "id",
            Self::Console => "user_id",
        }
    }

    /// The user's columns, in the order each backend's row reader takes them.
    pub const fn user_columns(self) -> &'static str {
        match self {
            Self::Portal => {
                "u.id, u.firm_id, f.name, u.email, u.name, u.password_hash, \
                 u.totp_secret, u.must_change_password, u.disabled_at, f.kind"
            }
            Self::Console => {
                "u.id, u.name, u.role, u.team_id, t.name, a.email, \
                 a.password_hash, a.totp_secret, a.disabled_at"
            }
        }
    }

    /// The joins from a session `s` to the tables [`Self::user_columns`] reads.
    pub const fn session_joins(self) -> &'static str {
        match self {
            Self::Portal => {
                "JOIN portal_users u ON u.id = s.user_id \
                 JOIN portal_firms f ON f.id = u.firm_id"
            }
            Self::Console => {
                "JOIN console_accounts a ON a.user_id = s.user_id \
                 JOIN users u ON u.id = a.user_id JOIN teams t ON t.id = u.team_id"
            }
        }
    }

    /// The query for a session and its user by the session's id hash, with the backend's
    /// `placeholder` for it.
    pub fn session_query(self, placeholder: &str) -> String {
        format!(
            "SELECT s.csrf, s.stage, s.last_seen_at, s.expires_at, {} FROM {} s {} \
             WHERE s.id_hash = {placeholder}",
            self.user_columns(),
            self.sessions(),
            self.session_joins(),
        )
    }
}
