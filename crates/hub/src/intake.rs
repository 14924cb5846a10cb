//! What a request must pass before any handler reads it: text every backend can store in
//! its path, query and form body (`doorstep_core::text`; JSON bodies are checked by
//! `doorstep_sync::decode_request`, multipart text by the portal's form reader).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use doorstep_core::text::check_storable;
use doorstep_sync::protocol::{ErrorBody, ErrorCode};

use crate::server::ApiError;

/// Whether percent-encoded text (a path, a query, a form body) decodes to storable text.
fn storable_encoded(bytes: &[u8]) -> bool {
    check_storable(&percent_encoding::percent_decode(bytes).decode_utf8_lossy()).is_ok()
}

fn unstorable() -> Response {
    ApiError::from(ErrorBody::new(
        ErrorCode::Invalid,
        doorstep_core::words::capitalised(&doorstep_core::text::UnstorableText.to_string()),
    ))
    .into_response()
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
        return unstorable();
    }
    let limit = crate::portal::MAX_REQUEST_BYTES;
    if !is_form(request.headers()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return ApiError::from(ErrorBody::new(
                ErrorCode::Malformed,
                "The hub could not read the form: send it again",
            ))
            .into_response();
        }
    };
    if !storable_encoded(&bytes) {
        return unstorable();
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
}
