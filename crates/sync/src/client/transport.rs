//! Sending one request: the protocol header and token, the same body on every try, and the
//! rule for what may be tried again (any transient failure for push, pull and attachments;
//! only what the hub surely did not act on for enrol and refresh).

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::protocol::{PROTOCOL_HEADER, PROTOCOL_VERSION};

use super::{ClientError, HubClient, random_seed};

/// Whether a request may be sent again after an unclear failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Retry {
    /// Push (applied once per change id), pull, attachments: retry any transient failure.
    Idempotent,
    /// Enrol and refresh use up a code or token: retry only when the hub surely did
    /// not act (no connection, 429, 503).
    OnlyIfUnprocessed,
}

/// A request body, serialised once and re-sent as is on each attempt.
#[derive(Debug)]
pub(super) struct Body {
    pub(super) bytes: Vec<u8>,
    pub(super) content_type: &'static str,
}

impl HubClient {
    /// Sends with retries and reads the answer as JSON.
    pub(super) async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Body>,
        authorised: bool,
        retry: Retry,
    ) -> Result<T, ClientError> {
        let bytes = self.send_raw(method, path, body, authorised, retry).await?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::BadResponse {
            reason: e.to_string(),
        })
    }

    /// Sends with retries; the body of the first 2xx, or the error to give the app.
    pub(super) async fn send_raw(
        &self,
        method: Method,
        path: &str,
        body: Option<Body>,
        authorised: bool,
        retry: Retry,
    ) -> Result<Vec<u8>, ClientError> {
        let url = self.base.join(path).map_err(|e| ClientError::BadUrl {
            reason: e.to_string(),
        })?;
        let token = match (authorised, &self.access_token) {
            (false, _) => None,
            (true, Some(token)) => Some(token),
            (true, None) => return Err(ClientError::NotEnrolled),
        };
        let mut delays = self.backoff.delays(random_seed());
        loop {
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string());
            if let Some(token) = token {
                request = request.bearer_auth(token.expose());
            }
            if let Some(body) = &body {
                request = request
                    .header(CONTENT_TYPE, body.content_type)
                    .body(body.bytes.clone());
            }
            let failure = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let retry_after = retry_after(response.headers());
                    let bytes = response.bytes().await;
                    match (status, bytes) {
                        (s, Ok(bytes)) if s.is_success() => return Ok(bytes.to_vec()),
                        (s, Ok(bytes)) if s.is_client_error() => {
                            let error = ClientError::from_response(s.as_u16(), &bytes);
                            if s != StatusCode::TOO_MANY_REQUESTS {
                                return Err(error);
                            }
                            Failure::RateLimited(retry_after)
                        }
                        (s, _) if s.is_server_error() => Failure::Server(s),
                        (s, Ok(_)) => {
                            return Err(ClientError::BadResponse {
                                reason: format!("unexpected HTTP status {s}"),
                            });
                        }
                        (_, Err(e)) => Failure::Network(e),
                    }
                }
                Err(e) => Failure::Network(e),
            };
            let may_retry = match (&failure, retry) {
                (_, Retry::Idempotent) => true,
                (Failure::RateLimited(_), Retry::OnlyIfUnprocessed) => true,
                (Failure::Server(s), Retry::OnlyIfUnprocessed) => {
                    *s == StatusCode::SERVICE_UNAVAILABLE
                }
                (Failure::Network(e), Retry::OnlyIfUnprocessed) => e.is_connect(),
            };
            let next = may_retry.then(|| delays.next()).flatten();
            let wait = match (next, &failure) {
                (Some(delay), Failure::RateLimited(Some(asked))) => {
                    (*asked <= self.backoff.max_delay).then_some(delay.max(*asked))
                }
                (next, _) => next,
            };
            let Some(wait) = wait else {
                return Err(failure.into_error());
            };
            tracing::debug!(%url, ?wait, failure = %failure.describe(), "retrying a hub request");
            tokio::time::sleep(wait).await;
        }
    }
}

/// A failed attempt that may be retried.
#[derive(Debug)]
enum Failure {
    /// 429, with the wait the hub asked for.
    RateLimited(Option<Duration>),
    /// 5xx.
    Server(StatusCode),
    /// No connection, a timeout, or a broken body.
    Network(reqwest::Error),
}

impl Failure {
    fn describe(&self) -> String {
        match self {
            Self::RateLimited(_) => "rate limited".to_owned(),
            Self::Server(s) => format!("HTTP {s}"),
            Self::Network(e) => network_reason(e),
        }
    }

    fn into_error(self) -> ClientError {
        match self {
            Self::RateLimited(retry_after) => ClientError::RateLimited { retry_after },
            Self::Server(s) => ClientError::Server { status: s.as_u16() },
            Self::Network(e) => ClientError::Unreachable {
                reason: network_reason(&e),
            },
        }
    }
}

/// A short reason for a network failure: the innermost cause ("Connection refused",
/// "invalid peer certificate: UnknownIssuer"), which is what an admin needs to fix it.
fn network_reason(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "the connection timed out".to_owned();
    }
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// `Retry-After` in seconds (the HTTP-date form is not used by the hub).
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// A JSON request body.
pub(super) fn json<T: Serialize>(value: &T) -> Result<Body, ClientError> {
    let bytes = serde_json::to_vec(value).map_err(|e| ClientError::BadResponse {
        reason: format!("the request could not be written: {e}"),
    })?;
    Ok(Body {
        bytes,
        content_type: "application/json",
    })
}
