//! Who may talk to the bridge: a request must name the bridge itself as its host, and a
//! browser request must come from the bridge's own origin.
//!
//! Listening on loopback keeps other machines out, but not web pages: a page on any site
//! can make the developer's browser send requests to 127.0.0.1, and a page on a domain
//! that re-resolves to 127.0.0.1 (DNS rebinding) can even read the answers. Both show in
//! the headers: the rebinding page's requests carry its own domain in `Host`, and a
//! cross-site request carries its page's `Origin`.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use doorstep_api::{AppError, ErrorCode};

/// The hosts and origins that are the bridge itself, and the pages the developer allowed.
#[derive(Debug, Clone)]
pub struct Allowed {
    hosts: [String; 2],
    own: [String; 2],
    /// Origins given with `--allow-origin` (a UI served elsewhere with VITE_BRIDGE_URL):
    /// answered with CORS headers, since their pages are cross-origin to the bridge.
    extra: Vec<String>,
}

impl Allowed {
    /// The bridge on `port` of this machine's loopback address, by number or as `localhost`
    /// (which browsers resolve to loopback themselves, so it cannot be rebound), and the
    /// `extra` origins the developer named.
    pub fn for_port(port: u16, extra: &[String]) -> Self {
        let hosts = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
        let own = hosts.clone().map(|h| format!("http://{h}"));
        let extra = extra
            .iter()
            .map(|o| o.trim_end_matches('/').to_owned())
            .collect();
        Self { hosts, own, extra }
    }

    /// The request's origin when it is one named with `--allow-origin`.
    fn extra_origin<'h>(&self, headers: &'h HeaderMap) -> Option<&'h HeaderValue> {
        headers.get(header::ORIGIN).filter(|o| {
            o.to_str()
                .is_ok_and(|o| self.extra.iter().any(|a| a.eq_ignore_ascii_case(o)))
        })
    }

    /// Why a request with these headers is refused, if it is.
    pub fn refusal(&self, headers: &HeaderMap) -> Option<&'static str> {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        if !host.is_some_and(|h| self.hosts.iter().any(|a| a.eq_ignore_ascii_case(h))) {
            return Some(
                "The development bridge answers only requests addressed to it by its loopback \
                 address and port (open the URL it printed).",
            );
        }
        // Browsers send Origin on every cross-origin request and on same-origin POSTs;
        // tools such as curl send none, and are as welcome as the developer running them.
        if let Some(origin) = headers.get(header::ORIGIN) {
            let own = origin.to_str().is_ok_and(|o| {
                self.own
                    .iter()
                    .chain(&self.extra)
                    .any(|a| a.eq_ignore_ascii_case(o))
            });
            if !own {
                return Some(
                    "The development bridge answers only pages it served itself, not other \
                     web pages.",
                );
            }
        }
        None
    }
}

/// Middleware: refuses with 403 and an `AppError` (`not_allowed`) what [`Allowed`] refuses;
/// answers an allowed extra origin's preflight, and marks its answers readable by it.
pub async fn only_own_origin(
    State(allowed): State<Allowed>,
    request: Request,
    next: Next,
) -> Response {
    match allowed.refusal(request.headers()) {
        None => {
            let Some(origin) = allowed.extra_origin(request.headers()).cloned() else {
                return next.run(request).await;
            };
            let mut response = if request.method() == Method::OPTIONS {
                let mut preflight = StatusCode::NO_CONTENT.into_response();
                let h = preflight.headers_mut();
                h.insert(
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    HeaderValue::from_static("GET, POST"),
                );
                h.insert(
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    HeaderValue::from_static("content-type"),
                );
                h.insert(
                    header::ACCESS_CONTROL_MAX_AGE,
                    HeaderValue::from_static("600"),
                );
                preflight
            } else {
                next.run(request).await
            };
            let h = response.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            h.insert(header::VARY, HeaderValue::from_static("origin"));
            response
        }
        Some(reason) => {
            tracing::warn!(path = %request.uri().path(), "refused a request from elsewhere");
            (
                StatusCode::FORBIDDEN,
                axum::Json(AppError::new(ErrorCode::NotAllowed, reason)),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(host: Option<&str>, origin: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(host) = host {
            h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        }
        if let Some(origin) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        }
        h
    }

    #[test]
    fn its_own_host_and_origin_pass() {
        let a = Allowed::for_port(5180, &[]);
        assert_eq!(a.refusal(&headers(Some("127.0.0.1:5180"), None)), None);
        assert_eq!(a.refusal(&headers(Some("localhost:5180"), None)), None);
        let own = headers(Some("127.0.0.1:5180"), Some("http://127.0.0.1:5180"));
        assert_eq!(a.refusal(&own), None);
        let vite = headers(Some("127.0.0.1:5180"), Some("http://localhost:5173"));
        assert!(a.refusal(&vite).is_some());
        let a = Allowed::for_port(5180, &["http://localhost:5173/".to_owned()]);
        assert_eq!(a.refusal(&vite), None, "named with --allow-origin");
        assert!(a.extra_origin(&vite).is_some());
    }

    #[test]
    fn another_host_port_or_origin_is_refused() {
        let a = Allowed::for_port(5180, &["http://localhost:5173".to_owned()]);
        for h in [
            headers(None, None),
            headers(Some("rebound.example:5180"), None),
            headers(Some("127.0.0.1:5181"), None),
            headers(Some("127.0.0.1"), None),
            headers(Some("127.0.0.1:5180"), Some("https://elsewhere.example")),
            headers(Some("127.0.0.1:5180"), Some("http://127.0.0.1:5173")),
            headers(Some("127.0.0.1:5180"), Some("null")),
        ] {
            assert!(a.refusal(&h).is_some(), "{h:?}");
        }
    }
}
