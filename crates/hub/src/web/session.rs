//! A signed-in browser's session: how long it lasts, how far the sign-in has got, and
//! whether a request may use it for the page it asks for. The app stores sessions (only
//! the SHA-256 of the cookie's token) and applies [`judge`]'s verdict.

use super::AuthError;
use super::csrf::new_token;

/// How long a signed-in browser may sit idle before it must sign in again.
pub const IDLE_MS: i64 = 30 * 60 * 1000;
/// How long a session lasts at most, however busy.
pub const ABSOLUTE_MS: i64 = 12 * 60 * 60 * 1000;
/// How long the step between a right password and the TOTP code may take.
pub const CODE_STEP_MS: i64 = 5 * 60 * 1000;
/// A session's last-seen time is written at most this often, so browsing does not write
/// to the database on every page.
pub const TOUCH_EVERY_MS: i64 = 60 * 1000;

/// How far a browser has signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The password was right; the TOTP code is still to come.
    Code,
    /// Signed in.
    Full,
}

impl Stage {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Full => "full",
        }
    }

    /// Reads the stored word.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "code" => Some(Self::Code),
            "full" => Some(Self::Full),
            _ => None,
        }
    }

    /// How long a session at this stage lasts at most.
    pub fn lifetime(self) -> i64 {
        match self {
            Self::Code => CODE_STEP_MS,
            Self::Full => ABSOLUTE_MS,
        }
    }
}

/// What signing in and a session need to know of a user.
pub trait Account {
    /// The user's id.
    fn id(&self) -> &str;
    /// How they sign in (lower case).
    fn email(&self) -> &str;
    /// Their Argon2id PHC string; None while they have no password (nothing matches).
    fn password_hash(&self) -> Option<&str>;
    /// Their TOTP secret (base32), when they have a second factor.
    fn totp_secret(&self) -> Option<&str>;
    /// May not sign in or keep a session (turned off by an administrator, or not set up
    /// as the app requires).
    fn disabled(&self) -> bool;
    /// Must choose a new password before anything else.
    fn must_change_password(&self) -> bool;
}

/// A session as stored, with its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session<U> {
    /// SHA-256 of the cookie value.
    pub id_hash: String,
    /// The signed-in user.
    pub user: U,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
    /// How far the sign-in has got.
    pub stage: Stage,
    /// When it was last used (Unix ms).
    pub last_seen_at: i64,
    /// When it ends whatever happens (Unix ms).
    pub expires_at: i64,
}

/// A new session.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// SHA-256 of the cookie value.
    pub id_hash: String,
    /// The user.
    pub user_id: String,
    /// Its CSRF token.
    pub csrf: String,
    /// How far the sign-in has got.
    pub stage: Stage,
    /// Now (Unix ms).
    pub now: i64,
    /// When it ends whatever happens (Unix ms).
    pub expires_at: i64,
}

/// What the store keeps of a cookie's token: its SHA-256, so a copy of the database
/// signs no one in.
pub fn token_hash(token: &str) -> String {
    crate::secret::digest(token)
}

/// A new session for `user_id` at `stage`, and the token its cookie carries.
pub fn new_session(
    user_id: &str,
    stage: Stage,
    now: i64,
) -> Result<(String, NewSession), AuthError> {
    let token = new_token()?;
    let session = NewSession {
        id_hash: token_hash(&token),
        user_id: user_id.to_owned(),
        csrf: new_token()?,
        stage,
        now,
        expires_at: now.saturating_add(stage.lifetime()),
    };
    Ok((token, session))
}

/// Which pages a session may see at its stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allow {
    /// Signed in, password chosen.
    Full,
    /// Between the password and the TOTP code.
    Code,
    /// Signed in, perhaps still to replace an initial password.
    Password,
}

/// Where a session that may not see a page goes instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detour {
    /// To the TOTP code step.
    Code,
    /// To the app's home page (the code step is over).
    Home,
    /// To choose a new password.
    Password,
}

/// What to do with a request's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It is over (idle, too old, or its user turned off): end it, sign in again.
    Ended,
    /// It may not see this page: send it elsewhere.
    Elsewhere(Detour),
    /// Let it in; `touch` when its last-seen time is due to be written.
    Admit {
        /// Write the last-seen time now.
        touch: bool,
    },
}

/// Whether `session` may see a page open to `allow` at `now`.
pub fn judge<U: Account>(session: &Session<U>, allow: Allow, now: i64) -> Verdict {
    let ended = now >= session.expires_at
        || now.saturating_sub(session.last_seen_at) >= IDLE_MS
        || session.user.disabled();
    if ended {
        return Verdict::Ended;
    }
    match (session.stage, allow) {
        (Stage::Code, Allow::Code) => {}
        (Stage::Code, _) => return Verdict::Elsewhere(Detour::Code),
        (Stage::Full, Allow::Code) => return Verdict::Elsewhere(Detour::Home),
        (Stage::Full, Allow::Full) if session.user.must_change_password() => {
            return Verdict::Elsewhere(Detour::Password);
        }
        (Stage::Full, _) => {}
    }
    Verdict::Admit {
        touch: now.saturating_sub(session.last_seen_at) >= TOUCH_EVERY_MS,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use rstest::rstest;

    use super::*;

    /// A user: (disabled, must change password).
    #[derive(Debug, Clone, Copy)]
    struct User(bool, bool);

    impl Account for User {
        fn id(&self) -> &str {
            "u"
        }
        fn email(&self) -> &str {
            "u@example.org"
        }
        fn password_hash(&self) -> Option<&str> {
            None
        }
        fn totp_secret(&self) -> Option<&str> {
            None
        }
        fn disabled(&self) -> bool {
            self.0
        }
        fn must_change_password(&self) -> bool {
            self.1
        }
    }

    const START: i64 = 1_000_000;
    const OK: User = User(false, false);

    fn session(stage: Stage, user: User) -> Session<User> {
        Session {
            id_hash: "h".into(),
            user,
            csrf: "c".into(),
            stage,
            last_seen_at: START,
            expires_at: START + stage.lifetime(),
        }
    }

    const fn admit(touch: bool) -> Verdict {
        Verdict::Admit { touch }
    }

    #[rstest]
    #[case::fresh(Stage::Full, OK, Allow::Full, 0, admit(false))]
    #[case::touch_due(Stage::Full, OK, Allow::Full, TOUCH_EVERY_MS, admit(true))]
    #[case::idle(Stage::Full, OK, Allow::Full, IDLE_MS, Verdict::Ended)]
    #[case::disabled(Stage::Full, User(true, false), Allow::Full, 0, Verdict::Ended)]
    #[case::code_step_over(Stage::Code, OK, Allow::Code, CODE_STEP_MS, Verdict::Ended)]
    #[case::code_step(Stage::Code, OK, Allow::Code, 0, admit(false))]
    #[case::code_step_elsewhere(Stage::Code, OK, Allow::Full, 0, Verdict::Elsewhere(Detour::Code))]
    #[case::code_step_password(
        Stage::Code,
        OK,
        Allow::Password,
        0,
        Verdict::Elsewhere(Detour::Code)
    )]
    #[case::code_again(Stage::Full, OK, Allow::Code, 0, Verdict::Elsewhere(Detour::Home))]
    #[case::password_first(
        Stage::Full,
        User(false, true),
        Allow::Full,
        0,
        Verdict::Elsewhere(Detour::Password)
    )]
    #[case::password_page(Stage::Full, User(false, true), Allow::Password, 0, admit(false))]
    fn a_session_is_judged(
        #[case] stage: Stage,
        #[case] user: User,
        #[case] allow: Allow,
        #[case] later: i64,
        #[case] expected: Verdict,
    ) {
        assert_eq!(judge(&session(stage, user), allow, START + later), expected);
    }

    #[test]
    fn a_busy_session_still_ends_when_old() {
        let mut busy = session(Stage::Full, OK);
        busy.last_seen_at = START + ABSOLUTE_MS - 1;
        assert_eq!(
            judge(&busy, Allow::Full, START + ABSOLUTE_MS),
            Verdict::Ended
        );
    }

    #[test]
    fn a_new_session_keeps_only_its_tokens_hash() {
        let (token, new) = new_session("u", Stage::Code, START).unwrap();
        assert_eq!(new.id_hash, token_hash(&token));
        assert_ne!(new.csrf, token);
        assert_eq!(new.expires_at, START + CODE_STEP_MS);
        assert_eq!(Stage::parse(Stage::Full.as_str()), Some(Stage::Full));
    }
}
