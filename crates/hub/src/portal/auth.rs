//! Signing in to the portal: Argon2id passwords, TOTP codes, session and CSRF tokens, the
//! cookies that carry them, and the sign-in throttle's rules.

use std::net::{IpAddr, SocketAddr};

use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::http::{HeaderMap, header};
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// How long a signed-in browser may sit idle before it must sign in again.
pub const IDLE_MS: i64 = 30 * 60 * 1000;
/// How long a session lasts at most, however busy.
pub const ABSOLUTE_MS: i64 = 12 * 60 * 60 * 1000;
/// How long the step between a right password and the TOTP code may take.
pub const CODE_STEP_MS: i64 = 5 * 60 * 1000;
/// A session's last-seen time is written at most this often, so browsing does not write
/// to the database on every page.
pub const TOUCH_EVERY_MS: i64 = 60 * 1000;

/// Failed sign-ins are counted in windows of this length.
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// After this many failures for one account within a window, the account is locked.
pub const ACCOUNT_FAILURES: u32 = 5;
/// After this many failures from one address within a window, the address is locked.
pub const ADDRESS_FAILURES: u32 = 20;
/// How long a lock lasts.
pub const LOCK_MS: i64 = 15 * 60 * 1000;

/// The shortest password a firm user may choose (NCSC: length beats complexity rules).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password read, so a huge one cannot tie up the hasher.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// The issuer shown in authenticator apps.
pub const TOTP_ISSUER: &str = "Doorstep";

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

fn random<const N: usize>() -> Result<[u8; N], AuthError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| AuthError::Random(e.to_string()))?;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random token (session id, CSRF secret): 256 bits as hex.
pub fn new_token() -> Result<String, AuthError> {
    Ok(hex(&random::<32>()?))
}

/// Letters and digits that cannot be mistaken for each other when read out or typed.
const PASSWORD_ALPHABET: &[u8; 30] = b"23456789abcdefghjkmnpqrstvwxyz";

/// A new initial password for `admin add-firm-user`: 20 characters in groups of five
/// (about 98 bits), e.g. `k7m2q-9xrta-4hwzc-b3nd8`.
pub fn new_initial_password() -> Result<String, AuthError> {
    let bytes: [u8; 20] = random()?;
    let mut out = String::with_capacity(23);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 5 == 0 {
            out.push('-');
        }
        // The modulo's slight bias is harmless in a one-time password the user replaces.
        out.push(char::from(
            PASSWORD_ALPHABET[usize::from(*b) % PASSWORD_ALPHABET.len()],
        ));
    }
    Ok(out)
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
    let salt =
        SaltString::encode_b64(&random::<16>()?).map_err(|e| AuthError::Hash(e.to_string()))?;
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

/// A hash no password matches, checked when the email is unknown so that a wrong email
/// takes as long as a wrong password (no telling which accounts exist by timing).
pub fn decoy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$ZG9vcnN0ZXAtZGVjb3k$VGhpcyBoYXNoIG1hdGNoZXMgbm8gcGFzc3dvcmQ"
}

/// A new TOTP secret: 160 random bits (RFC 4226's recommendation), base32.
pub fn new_totp_secret() -> Result<String, AuthError> {
    Ok(Secret::from(random::<20>()?).to_base32())
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

/// Equal strings, in time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// An email as stored and compared: trimmed, lower case.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Whether a request reached the hub straight from a browser on the same machine over
/// plain HTTP: a loopback peer, a loopback `Host`, and no proxy headers. Only then do
/// cookies go without `Secure` (and without the `__Host-` prefix, which requires it):
/// browsers drop `Secure` cookies on `http://127.0.0.1`. Behind a TLS proxy the `Host` is
/// the public name, so cookies are `Secure`.
pub fn plain_loopback(peer: SocketAddr, headers: &HeaderMap) -> bool {
    if !peer.ip().is_loopback()
        || headers.contains_key("forwarded")
        || headers.contains_key("x-forwarded-proto")
        || headers.contains_key("x-forwarded-for")
    {
        return false;
    }
    let Some(host) = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::trim)
    else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The names and flags of the portal's cookies for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cookies {
    secure: bool,
}

impl Cookies {
    /// The cookies for a request (see [`plain_loopback`]).
    pub fn for_request(peer: SocketAddr, headers: &HeaderMap) -> Self {
        Self {
            secure: !plain_loopback(peer, headers),
        }
    }

    /// The session cookie's name.
    pub fn session_name(self) -> &'static str {
        if self.secure {
            "__Host-doorstep_portal"
        } else {
            "doorstep_portal"
        }
    }

    /// The name of the cookie that carries the sign-in form's CSRF token (before a session).
    pub fn sign_in_name(self) -> &'static str {
        if self.secure {
            "__Host-doorstep_portal_sign_in"
        } else {
            "doorstep_portal_sign_in"
        }
    }

    fn attributes(self) -> &'static str {
        if self.secure {
            "Path=/; Secure; HttpOnly; SameSite=Strict"
        } else {
            "Path=/; HttpOnly; SameSite=Strict"
        }
    }

    /// A `Set-Cookie` value for the session (a browser-session cookie: the hub ends it).
    pub fn set_session(self, token: &str) -> String {
        format!("{}={token}; {}", self.session_name(), self.attributes())
    }

    /// A `Set-Cookie` value for the sign-in form's token.
    pub fn set_sign_in(self, token: &str) -> String {
        format!("{}={token}; {}", self.sign_in_name(), self.attributes())
    }

    /// A `Set-Cookie` value that removes the session cookie.
    pub fn clear_session(self) -> String {
        format!("{}=; Max-Age=0; {}", self.session_name(), self.attributes())
    }

    /// A `Set-Cookie` value that removes the sign-in form's cookie.
    pub fn clear_sign_in(self) -> String {
        format!("{}=; Max-Age=0; {}", self.sign_in_name(), self.attributes())
    }
}

/// The value of cookie `name` in a request, if it looks like one of our tokens.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The keys the throttle counts failures under.
pub fn throttle_keys(email: &str, peer: SocketAddr) -> (String, String) {
    (
        format!("account:{}", normalise_email(email)),
        format!("address:{}", peer.ip()),
    )
}

/// A throttle key's state after one more failed sign-in at `now`, from its stored state
/// `(failures, window_start, locked_until)`: failures count within a window, and reaching
/// `limit` locks the key for [`LOCK_MS`] and starts counting again.
pub fn after_failure(
    current: Option<(i64, i64, Option<i64>)>,
    limit: u32,
    now: i64,
) -> (i64, i64, Option<i64>) {
    let (failures, start, locked) = match current {
        Some((failures, start, locked)) if now.saturating_sub(start) < FAILURE_WINDOW_MS => {
            (failures.saturating_add(1), start, locked)
        }
        Some((_, _, locked)) => (1, now, locked),
        None => (1, now, None),
    };
    if failures >= i64::from(limit) {
        (0, now, Some(now.saturating_add(LOCK_MS)))
    } else {
        (failures, start, locked)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;

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
        let uri = totp_uri(&secret, "fitter@firm.example").unwrap();
        assert!(
            uri.starts_with("otpauth://totp/Doorstep:fitter%40firm.example?"),
            "{uri}"
        );
        assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    }

    fn headers(host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        h
    }

    #[test]
    fn cookies_are_secure_unless_plain_loopback() {
        let local: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let remote: SocketAddr = "10.0.0.9:5000".parse().unwrap();
        assert!(plain_loopback(local, &headers("127.0.0.1:7070")));
        assert!(plain_loopback(local, &headers("localhost:7070")));
        assert!(plain_loopback(local, &headers("[::1]:7070")));
        assert!(!plain_loopback(local, &headers("portal.council.example")));
        assert!(!plain_loopback(remote, &headers("127.0.0.1:7070")));
        let mut proxied = headers("127.0.0.1:7070");
        proxied.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(!plain_loopback(local, &proxied));

        let secure = Cookies::for_request(local, &headers("portal.council.example"));
        let set = secure.set_session("ab");
        assert!(set.starts_with("__Host-doorstep_portal=ab;"), "{set}");
        for flag in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(set.contains(flag), "{flag} in {set}");
        }
        let plain = Cookies::for_request(local, &headers("127.0.0.1:7070")).set_session("ab");
        assert!(
            !plain.contains("Secure") && plain.contains("HttpOnly"),
            "{plain}"
        );
    }

    #[test]
    fn failures_lock_a_key_at_its_limit_within_a_window() {
        let mut state = None;
        for _ in 0..4 {
            let next = after_failure(state, 5, 1_000);
            assert_eq!(next.2, None, "not locked before the limit");
            state = Some(next);
        }
        let locked = after_failure(state, 5, 1_000);
        assert_eq!(locked, (0, 1_000, Some(1_000 + LOCK_MS)));
        // Failures spread wider than the window never add up to a lock.
        let mut state = None;
        for i in 0..10 {
            let next = after_failure(state, 5, i * FAILURE_WINDOW_MS / 2);
            assert!(next.0 <= 2 && next.2.is_none(), "{next:?}");
            state = Some(next);
        }
    }

    #[test]
    fn a_cookie_is_read_only_when_it_looks_like_a_token() {
        let token = "a".repeat(64);
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("other=1; doorstep_portal={token}")).unwrap(),
        );
        assert_eq!(cookie(&h, "doorstep_portal"), Some(token.as_str()));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("doorstep_portal=../etc"),
        );
        assert_eq!(cookie(&h, "doorstep_portal"), None);
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
