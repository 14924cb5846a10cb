//! The answers a web app's handlers build: a rendered page, a redirect, cookies set, and
//! an early stop carrying whichever of them ends the request.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::model::AuditEntry;
use crate::refusals::Refused;

/// A handler's answer when it stops early (a redirect, a refusal page), boxed because a
/// response is large and the happy path carries something small.
pub type Stop = Box<Response>;

/// Stops a handler early with `response`.
pub fn stop(response: Response) -> Stop {
    Box::new(response)
}

/// A template rendered as an HTML page with `status`.
pub fn page<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "a page did not render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be shown",
            )
                .into_response()
        }
    }
}

/// A redirect to `to` that makes the browser GET it (after a form's POST, too).
pub fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}

/// `response` with these `Set-Cookie` values added.
pub fn with_cookies(mut response: Response, cookies: &[String]) -> Response {
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// A refusal of someone who proved no identity goes with its answer, so that the hub
/// tallies it and slows the address down (`crate::refusals`) rather than writing a line
/// for every one.
pub fn anonymous_refusal(mut response: Response, entry: AuditEntry) -> Response {
    response.extensions_mut().insert(Refused(entry));
    response
}

/// The answer when no random token can be had: nothing to do but try again.
pub fn no_token(error: &super::AuthError) -> Response {
    tracing::error!(%error, "no random token");
    (StatusCode::SERVICE_UNAVAILABLE, "Try again").into_response()
}

/// Headers on every answer of a web app: no framing, no sniffing, nothing from elsewhere,
/// no referrer, and no caching unless the handler allowed it (a stylesheet).
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}
