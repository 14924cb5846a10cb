//! Passwords: Argon2id hashes, the rules a new one must meet, and the initial passwords
//! administrators hand out.

use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use super::AuthError;
use crate::secret::{random_bytes, random_grouped};

/// The shortest password a user may choose (NCSC: length beats complexity rules).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password read, so a huge one cannot tie up the hasher.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Letters and digits that cannot be mistaken for each other when read out or typed.
const PASSWORD_ALPHABET: &[u8; 30] = b"23456789abcdefghjkmnpqrstvwxyz";

/// A new initial password for an administrator to hand out: 20 characters in groups of
/// five (about 98 bits), e.g. `k7m2q-9xrta-4hwzc-b3nd8`.
pub fn new_initial_password() -> Result<String, AuthError> {
    // The slight bias of `random_grouped` is harmless in a one-time password the user
    // replaces.
    Ok(random_grouped::<20>(PASSWORD_ALPHABET)?)
}

/// Why a password cannot be used, in words for the person choosing it.
pub fn password_problem(password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        Some(format!(
            "Password must be {MIN_PASSWORD_CHARS} characters or more"
        ))
    } else if chars > MAX_PASSWORD_CHARS {
        Some(format!(
            "Password must be {MAX_PASSWORD_CHARS} characters or fewer"
        ))
    } else {
        None
    }
}

/// The Argon2id hash of `password` (PHC string, default OWASP parameters, random salt).
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| AuthError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Whether `password` matches the stored hash.
pub fn verify_password(password: &str, stored: &str) -> Result<bool, AuthError> {
    let parsed = PasswordHash::new(stored).map_err(|e| AuthError::Hash(e.to_string()))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// Whether `password` matches the stored hash, checked on a blocking thread (Argon2 is
/// slow on purpose); a damaged hash or a failed thread matches nothing.
pub async fn matches(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or(false)
}

/// A hash no password matches, checked when the email is unknown so that a wrong email
/// takes as long as a wrong password (no telling which accounts exist by timing).
pub fn decoy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$ZG9vcnN0ZXAtZGVjb3k$VGhpcyBoYXNoIG1hdGNoZXMgbm8gcGFzc3dvcmQ"
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_password_hash_is_argon2id_and_checks() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash).unwrap());
        assert!(!verify_password("correct horse batterY", &hash).unwrap());
        assert!(!verify_password("anything at all", decoy_hash()).unwrap());
    }

    #[test]
    fn initial_passwords_are_long_and_distinct() {
        let a = new_initial_password().unwrap();
        assert_eq!(a.len(), 23);
        assert!(password_problem(&a).is_none());
        assert_ne!(a, new_initial_password().unwrap());
        assert!(password_problem("short").is_some());
    }
}
