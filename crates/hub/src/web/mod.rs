//! The machinery the hub's server-rendered web apps share (the portal now, the council
//! staff's console next): password and TOTP checks, the session and its cookie,
//! CSRF tokens, the sign-in throttle, and the small helpers every HTML answer uses. None
//! of it knows whose accounts it guards: each app brings its own users, pages and paths.

pub mod auth;
pub mod cookies;
pub mod csrf;
pub mod password;
pub mod respond;
pub mod session;
pub mod sign_in;
pub mod tables;
pub mod throttle;
pub mod totp;

/// Something in signing in could not be done (never the user's fault).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The OS random source failed.
    #[error("the system's random source failed: {0}")]
    Random(String),
    /// Argon2 refused its input or the stored hash is damaged.
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// The stored TOTP secret is damaged.
    #[error("the stored TOTP secret is damaged: {0}")]
    Totp(String),
}

impl From<crate::secret::RandomError> for AuthError {
    fn from(error: crate::secret::RandomError) -> Self {
        Self::Random(error.0)
    }
}

/// An email as stored and compared: trimmed, lower case.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}
