//! The optional second factor: RFC 6238 codes from an authenticator app, and the
//! `otpauth://` URI that sets one up.

use totp_rs::{Algorithm, Builder, Secret, Totp};

use super::AuthError;
use crate::secret::random_bytes;

/// The issuer shown in authenticator apps.
pub const TOTP_ISSUER: &str = "Doorstep";

/// A new TOTP secret: 160 random bits (RFC 4226's recommendation), base32.
pub fn new_totp_secret() -> Result<String, AuthError> {
    Ok(Secret::from(random_bytes::<20>()?).to_base32())
}

fn totp(secret_base32: &str, account: &str) -> Result<Totp, AuthError> {
    let secret =
        Secret::try_from_base32(secret_base32).map_err(|e| AuthError::Totp(e.to_string()))?;
    // A colon would break the otpauth label; an email never has one, a name might.
    let account = account.replace(':', " ");
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some(TOTP_ISSUER))
        .build()
        .map_err(|e| AuthError::Totp(e.to_string()))
}

/// The `otpauth://` URI an authenticator app reads (as a QR code or typed in).
pub fn totp_uri(secret_base32: &str, account: &str) -> Result<String, AuthError> {
    totp(secret_base32, account)?
        .to_url()
        .map_err(|e| AuthError::Totp(e.to_string()))
}

/// The time step a code matches at `now_ms` (one step of clock skew either way), or None.
/// The caller accepts each step once per user.
pub fn check_totp(secret_base32: &str, code: &str, now_ms: i64) -> Result<Option<i64>, AuthError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    let now = u64::try_from(now_ms / 1000).unwrap_or(0);
    Ok(totp(secret_base32, "user")?
        .check(&code, now)
        .and_then(|step| i64::try_from(step).ok()))
}

/// The code for `now_ms`, for tests and the bench (an authenticator app's side).
pub fn totp_code(secret_base32: &str, now_ms: i64) -> Result<String, AuthError> {
    let now = u64::try_from(now_ms / 1000).unwrap_or(0);
    Ok(totp(secret_base32, "user")?.generate(now).to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_totp_code_matches_its_step_and_not_another() {
        let secret = new_totp_secret().unwrap();
        let now = 1_800_000_000_000;
        let code = totp_code(&secret, now).unwrap();
        let step = check_totp(&secret, &code, now).unwrap().unwrap();
        assert_eq!(step, now / 1000 / 30);
        // One step of skew either way is allowed; ten minutes is not.
        assert!(check_totp(&secret, &code, now + 30_000).unwrap().is_some());
        assert!(check_totp(&secret, &code, now + 600_000).unwrap().is_none());
        assert!(check_totp(&secret, "12345", now).unwrap().is_none());
        assert!(check_totp(&secret, "abcdef", now).unwrap().is_none());
        let uri = totp_uri(&secret, "someone@council.example").unwrap();
        assert!(
            uri.starts_with("otpauth://totp/Doorstep:someone%40council.example?"),
            "{uri}"
        );
        assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    }
}
