//! The cookies a web app's browser holds: the session's and, before there is a session, the
//! sign-in form's CSRF token's. They are `HttpOnly`, `SameSite=Strict` and `Secure` with
//! the `__Host-` prefix, unless the browser is on the hub's own machine over plain HTTP.

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, header};

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

/// One web app's cookie names, with and without the `__Host-` prefix (each app has its
/// own, so signing in to one does not sign in to the other).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieNames {
    /// The session cookie, when `Secure`.
    pub session: &'static str,
    /// The session cookie on plain loopback HTTP.
    pub plain_session: &'static str,
    /// The sign-in form's cookie, when `Secure`.
    pub sign_in: &'static str,
    /// The sign-in form's cookie on plain loopback HTTP.
    pub plain_sign_in: &'static str,
}

/// The names and flags of one app's cookies for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cookies {
    names: &'static CookieNames,
    secure: bool,
}

impl Cookies {
    /// The cookies for a request (see [`plain_loopback`]).
    pub fn for_request(names: &'static CookieNames, peer: SocketAddr, headers: &HeaderMap) -> Self {
        Self {
            names,
            secure: !plain_loopback(peer, headers),
        }
    }

    /// The session cookie's name.
    pub fn session_name(self) -> &'static str {
        if self.secure {
            self.names.session
        } else {
            self.names.plain_session
        }
    }

    /// The name of the cookie that carries the sign-in form's CSRF token (before a session).
    pub fn sign_in_name(self) -> &'static str {
        if self.secure {
            self.names.sign_in
        } else {
            self.names.plain_sign_in
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

    /// The session cookie's token in a request, if it sent one.
    pub fn session(self, headers: &HeaderMap) -> Option<&str> {
        cookie(headers, self.session_name())
    }

    /// The sign-in form's token in a request, if it sent one.
    pub fn sign_in(self, headers: &HeaderMap) -> Option<&str> {
        cookie(headers, self.sign_in_name())
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;

    const NAMES: CookieNames = CookieNames {
        session: "__Host-app",
        plain_session: "app",
        sign_in: "__Host-app_sign_in",
        plain_sign_in: "app_sign_in",
    };

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
        assert!(!plain_loopback(local, &headers("hub.council.example")));
        assert!(!plain_loopback(remote, &headers("127.0.0.1:7070")));
        let mut proxied = headers("127.0.0.1:7070");
        proxied.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(!plain_loopback(local, &proxied));

        let secure = Cookies::for_request(&NAMES, local, &headers("hub.council.example"));
        let set = secure.set_session("ab");
        assert!(set.starts_with("__Host-app=ab;"), "{set}");
        for flag in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(set.contains(flag), "{flag} in {set}");
        }
        let plain = Cookies::for_request(&NAMES, local, &headers("127.0.0.1:7070"));
        let set = plain.set_session("ab");
        assert!(
            set.starts_with("app=ab;") && !set.contains("Secure") && set.contains("HttpOnly"),
            "{set}"
        );
        assert!(plain.set_sign_in("cd").starts_with("app_sign_in=cd;"));
    }

    #[test]
    fn a_cookie_is_read_only_when_it_looks_like_a_token() {
        let token = "a".repeat(64);
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("other=1; app={token}")).unwrap(),
        );
        assert_eq!(cookie(&h, "app"), Some(token.as_str()));
        h.insert(header::COOKIE, HeaderValue::from_static("app=../etc"));
        assert_eq!(cookie(&h, "app"), None);
    }
}
