//! What a request must pass before any handler reads it: text every backend can store in
//! its path, query and form body (`doorstep_core::text`; JSON bodies are checked by
//! `doorstep_sync::decode_request`, multipart text by the portal's form reader), and a
//! declared `Content-Length` within the route's limit, refused at once rather than after
//! waiting for bytes that may never come.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use doorstep_core::text::check_storable;
use doorstep_sync::protocol::{ErrorBody, ErrorCode};

use crate::model::AuditEntry;
use crate::refusals::{Refused, action_of};
use crate::server::ApiError;

/// The declared body length, when the request says one.
pub fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Whether a request declares a body longer than `limit` bytes.
pub fn declared_over(headers: &HeaderMap, limit: usize) -> bool {
    declared_length(headers).is_some_and(|length| length > limit as u64)
}

/// Refuses at once (`413 too_large`) a request that declares a body over the route's
/// `limit`: the handler would otherwise wait for bytes it will refuse anyway.
pub async fn refuse_declared_over(
    State(limit): State<usize>,
    request: Request,
    next: Next,
) -> Response {
    if declared_over(request.headers(), limit) {
        return refused(
            request.uri().path(),
            ErrorBody::new(
                ErrorCode::TooLarge,
                format!(
                    "The request is larger than the hub reads here ({limit} bytes): send less at a time"
                ),
            ),
        );
    }
    next.run(request).await
}

/// A refusal made before any handler, with its audit line (written, and dated, by
/// `crate::refusals::count`).
fn refused(path: &str, body: ErrorBody) -> Response {
    let entry = AuditEntry::request(0, None, action_of(path), body.code.as_str());
    let mut response = ApiError::from(body).into_response();
    response.extensions_mut().insert(Refused(entry));
    response
}

/// Whether percent-encoded text (a path, a query, a form body) decodes to storable text.
fn storable_encoded(bytes: &[u8]) -> bool {
    check_storable(&percent_encoding::percent_decode(bytes).decode_utf8_lossy()).is_ok()
}

fn unstorable(path: &str) -> Response {
    refused(
        path,
        ErrorBody::new(
            ErrorCode::Invalid,
            doorstep_core::words::capitalised(&doorstep_core::text::UnstorableText.to_string()),
        ),
    )
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// Refuses (`422 invalid`) a request whose path, query or form body holds text no store can
/// keep, so that no handler, and neither backend, ever sees it.
pub async fn refuse_unstorable_text(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let storable_uri = storable_encoded(uri.path().as_bytes())
        && uri.query().is_none_or(|q| storable_encoded(q.as_bytes()));
    if !storable_uri {
        return unstorable(uri.path());
    }
    // A form larger than any route reads is left to that route's own limit, unread here.
    let limit = crate::portal::MAX_REQUEST_BYTES;
    if !is_form(request.headers()) || declared_over(request.headers(), limit) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return refused(
                parts.uri.path(),
                ErrorBody::new(
                    ErrorCode::Malformed,
                    "The hub could not read the form: send it again",
                ),
            );
        }
    };
    if !storable_encoded(&bytes) {
        return unstorable(parts.uri.path());
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_however_it_is_encoded() {
        assert!(storable_encoded(
            b"email=fitter%40quillon.example&password=a+b"
        ));
        assert!(!storable_encoded(b"email=fitter%00%40quillon.example"));
        assert!(!storable_encoded(b"email=fitter\0"));
        assert!(!storable_encoded(b"/portal/orders/a%00b"));
        // Not UTF-8 is read leniently (the handler's own decoder refuses it), never as NUL.
        assert!(storable_encoded(b"name=%FF%FE"));
    }

    #[test]
    fn a_declared_length_is_read_from_the_header() {
        let mut headers = HeaderMap::new();
        assert!(!declared_over(&headers, 10));
        headers.insert(header::CONTENT_LENGTH, "99999999999".parse().unwrap());
        assert!(declared_over(&headers, 10));
        headers.insert(header::CONTENT_LENGTH, "10".parse().unwrap());
        assert!(!declared_over(&headers, 10));
    }
}
