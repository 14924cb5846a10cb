//! CSRF: every form carries a token the hub checks before it reads anything else. Before
//! sign-in the token is bound to a cookie the form came with; after, it is the session's.
//! A browser's own `Sec-Fetch-Site` header stops a cross-site form even earlier.

use axum::http::HeaderMap;

use super::AuthError;
use crate::secret::{hex, random_bytes};

/// A new random token (session id, CSRF secret): 256 bits as hex.
pub fn new_token() -> Result<String, AuthError> {
    Ok(hex(&random_bytes::<32>()?))
}

/// Equal strings, in time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A browser fetching a form from another site says so (`Sec-Fetch-Site`); the CSRF token
/// would stop it anyway, this stops it before the body is even looked at.
pub fn cross_site(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"))
}

/// Whether a signed-in person's form is their own: not cross-site, and carrying the
/// session's token.
pub fn session_form_ok(headers: &HeaderMap, sent: Option<&str>, session_csrf: &str) -> bool {
    !cross_site(headers) && sent.is_some_and(|sent| same(sent, session_csrf))
}

/// Whether a sign-in form (before any session) is the one the hub gave this browser: not
/// cross-site, and carrying the token its cookie holds.
pub fn sign_in_form_ok(headers: &HeaderMap, bound: Option<&str>, sent: Option<&str>) -> bool {
    !cross_site(headers) && matches!((bound, sent), (Some(c), Some(f)) if same(c, f))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use axum::http::HeaderValue;
    use rstest::rstest;

    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
        let token = new_token().unwrap();
        assert_eq!(token.len(), 64);
        assert_ne!(token, new_token().unwrap());
    }

    fn fetched(site: Option<&'static str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(site) = site {
            h.insert("sec-fetch-site", HeaderValue::from_static(site));
        }
        h
    }

    #[rstest]
    #[case::same_origin(Some("same-origin"), Some("t"), true)]
    #[case::no_header(None, Some("t"), true)]
    #[case::cross_site(Some("cross-site"), Some("t"), false)]
    #[case::missing_token(None, None, false)]
    #[case::wrong_token(None, Some("u"), false)]
    fn a_session_form(
        #[case] site: Option<&'static str>,
        #[case] sent: Option<&str>,
        #[case] ok: bool,
    ) {
        assert_eq!(session_form_ok(&fetched(site), sent, "t"), ok);
    }

    #[rstest]
    #[case::bound(None, Some("t"), Some("t"), true)]
    #[case::cross_site(Some("cross-site"), Some("t"), Some("t"), false)]
    #[case::no_cookie(None, None, Some("t"), false)]
    #[case::no_token(None, Some("t"), None, false)]
    #[case::another_cookie(None, Some("u"), Some("t"), false)]
    fn a_sign_in_form(
        #[case] site: Option<&'static str>,
        #[case] bound: Option<&str>,
        #[case] sent: Option<&str>,
        #[case] ok: bool,
    ) {
        assert_eq!(sign_in_form_ok(&fetched(site), bound, sent), ok);
    }
}
