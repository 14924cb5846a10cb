//! The app's HTTP client for the hub: enrol, refresh, push, pull and attachments over
//! HTTPS (rustls), retrying what is safe to retry with exponential backoff and jitter,
//! and turning every refusal into a [`ClientError`] that says what the app must do.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use doorstep_core::DeviceId;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::protocol::{
    AttachmentReceipt, Change, EnrolRequest, EnrolResponse, ErrorBody, ErrorCode,
    MAX_ATTACHMENT_BYTES, MAX_BATCH, MAX_BODY_BYTES, PROTOCOL_HEADER, PROTOCOL_VERSION,
    PullRequest, PullResponse, PushResponse, RefreshRequest, RefreshResponse, Secret,
    is_sha256_hex,
};

/// How long to wait before each retry: exponential, capped, with jitter so a hundred
/// laptops coming back online do not all knock at the same instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first wait.
    pub initial: Duration,
    /// Each wait's ceiling is this many times the last.
    pub factor: u32,
    /// No wait is longer than this.
    pub max_delay: Duration,
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
}

impl Default for Backoff {
    /// 0.5 s, 1 s, 2 s, 4 s, 8 s (each with jitter): six attempts over about 15 s at most.
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(500),
            factor: 2,
            max_delay: Duration::from_secs(30),
            max_attempts: 6,
        }
    }
}

impl Backoff {
    /// Retries at once, `attempts` times in all: for tests, which must never sleep.
    pub fn immediate(attempts: u32) -> Self {
        Self {
            initial: Duration::ZERO,
            factor: 2,
            max_delay: Duration::ZERO,
            max_attempts: attempts.max(1),
        }
    }

    /// The longest wait before retry number `retry` (0 for the first retry).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let growth = self.factor.max(1).checked_pow(retry).unwrap_or(u32::MAX);
        self.initial
            .checked_mul(growth)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// The wait before retry number `retry`, given a random number: "equal jitter", at
    /// least half the ceiling and at most all of it.
    pub fn delay(&self, retry: u32, random: u64) -> Duration {
        let ceiling = u64::try_from(self.ceiling(retry).as_millis()).unwrap_or(u64::MAX);
        let half = ceiling / 2;
        let spread = ceiling - half;
        let extra = random % spread.saturating_add(1);
        Duration::from_millis(half + extra)
    }

    /// The waits between all attempts, drawn from `seed` (the same seed, the same waits).
    pub fn delays(&self, seed: u64) -> impl Iterator<Item = Duration> + '_ {
        let mut state = seed;
        (0..self.max_attempts.saturating_sub(1)).map(move |retry| {
            state = splitmix64(state);
            self.delay(retry, state)
        })
    }
}

/// One step of SplitMix64: good enough spread for jitter, no dependency.
fn splitmix64(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seed for jitter: std's per-process random hash keys, mixed with the time.
pub fn random_seed() -> u64 {
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// What the app should do about a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Erase the local store and say so: this laptop was revoked.
    WipeLocalData,
    /// Call [`HubClient::refresh`], then repeat the call.
    RefreshToken,
    /// The laptop must be enrolled again with a new code.
    Enrol,
    /// This version of the app cannot talk to the hub: install the update.
    UpdateApp,
    /// Nothing is wrong with the request: try again later (background sync backs off).
    TryLater,
    /// The hub refused this request and will refuse it again: show the message, keep
    /// the outbox as it is, and report it.
    Report,
}

/// Why a call to the hub failed, in words for the person at the screen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The hub revoked this device.
    #[error("This laptop was removed from the hub: its local data must be wiped")]
    Revoked,
    /// The access token has expired.
    #[error("The hub session has expired: it will be renewed")]
    TokenExpired,
    /// The hub did not accept the token, the refresh token or the enrolment code.
    #[error("{message}")]
    Unauthorised {
        /// The hub's words.
        message: String,
    },
    /// The hub speaks another protocol version.
    #[error("{message}")]
    WrongProtocol {
        /// The hub's words.
        message: String,
    },
    /// Still rate limited after the retries (or told to wait longer than we retry for).
    #[error("The hub asked this laptop to slow down: sync will try again shortly")]
    RateLimited {
        /// How long the hub asked us to wait, if it said.
        retry_after: Option<Duration>,
    },
    /// Any other refusal (4xx): the request as sent will not succeed.
    #[error("The hub refused the request: {message}")]
    Rejected {
        /// The hub's error code, when it sent a JSON error body.
        code: Option<ErrorCode>,
        /// The HTTP status.
        status: u16,
        /// The hub's words (or the status's name).
        message: String,
    },
    /// No connection, or it broke, after the retries.
    #[error("The hub cannot be reached ({reason}): sync will try again when it can")]
    Unreachable {
        /// What the network layer said.
        reason: String,
    },
    /// The hub kept failing (5xx) after the retries.
    #[error("The hub had a problem (HTTP {status}): sync will try again later")]
    Server {
        /// The last HTTP status.
        status: u16,
    },
    /// A 2xx whose body was not what the protocol says.
    #[error("The hub's answer could not be read: {reason}")]
    BadResponse {
        /// Why.
        reason: String,
    },
    /// The batch is over [`MAX_BATCH`] changes or [`MAX_BODY_BYTES`]; nothing was sent.
    #[error("Too much to send at once ({changes} changes, {bytes} bytes): send smaller batches")]
    BatchTooLarge {
        /// Changes in the batch.
        changes: usize,
        /// Its size as JSON.
        bytes: usize,
    },
    /// An attachment the hub would refuse (bad hash text, too big); nothing was sent.
    #[error("{reason}")]
    BadAttachment {
        /// Why.
        reason: String,
    },
    /// The call needs an access token and the client has none.
    #[error("This laptop is not enrolled with a hub yet")]
    NotEnrolled,
    /// The hub address is not one the client will use.
    #[error("{reason}")]
    BadUrl {
        /// Why.
        reason: String,
    },
    /// The HTTP client could not be set up (TLS initialisation).
    #[error("The secure connection could not be set up: {reason}")]
    Setup {
        /// Why.
        reason: String,
    },
}

impl ClientError {
    /// What the app should do about it.
    pub fn action(&self) -> Action {
        match self {
            Self::Revoked => Action::WipeLocalData,
            Self::TokenExpired => Action::RefreshToken,
            Self::Unauthorised { .. } | Self::NotEnrolled => Action::Enrol,
            Self::WrongProtocol { .. } => Action::UpdateApp,
            Self::RateLimited { .. } | Self::Unreachable { .. } | Self::Server { .. } => {
                Action::TryLater
            }
            Self::Rejected { .. }
            | Self::BadResponse { .. }
            | Self::BatchTooLarge { .. }
            | Self::BadAttachment { .. }
            | Self::BadUrl { .. }
            | Self::Setup { .. } => Action::Report,
        }
    }

    /// The hub's error code, when the hub sent one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Revoked => Some(ErrorCode::DeviceRevoked),
            Self::TokenExpired => Some(ErrorCode::TokenExpired),
            Self::Unauthorised { .. } => Some(ErrorCode::Unauthorised),
            Self::WrongProtocol { .. } => Some(ErrorCode::WrongProtocol),
            Self::RateLimited { .. } => Some(ErrorCode::RateLimited),
            Self::Rejected { code, .. } => *code,
            _ => None,
        }
    }

    /// The error for a 4xx answer with its body (a JSON [`ErrorBody`], or anything else).
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        let Ok(error) = serde_json::from_slice::<ErrorBody>(body) else {
            return Self::Rejected {
                code: None,
                status,
                message: StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("unexpected answer")
                    .to_owned(),
            };
        };
        match error.code {
            ErrorCode::DeviceRevoked => Self::Revoked,
            ErrorCode::TokenExpired => Self::TokenExpired,
            ErrorCode::Unauthorised => Self::Unauthorised {
                message: error.message,
            },
            ErrorCode::WrongProtocol => Self::WrongProtocol {
                message: error.message,
            },
            ErrorCode::RateLimited => Self::RateLimited { retry_after: None },
            code => Self::Rejected {
                code: Some(code),
                status,
                message: error.message,
            },
        }
    }
}

/// Whether a request may be sent again after an unclear failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// Push (applied once per change id), pull, attachments: retry any transient failure.
    Idempotent,
    /// Enrol and refresh use up a code or token: retry only when the hub surely did
    /// not act (no connection, 429, 503).
    OnlyIfUnprocessed,
}

/// A request body, serialised once and re-sent as is on each attempt.
#[derive(Debug)]
struct Body {
    bytes: Vec<u8>,
    content_type: &'static str,
}

/// Borrowed form of [`crate::protocol::PushRequest`], so pushing does not copy the batch.
#[derive(Serialize)]
struct PushBody<'a> {
    protocol: u32,
    device_id: DeviceId,
    changes: &'a [Change],
}

/// Talks to one hub. Cheap to clone (the connection pool is shared).
#[derive(Debug, Clone)]
pub struct HubClient {
    http: reqwest::Client,
    base: Url,
    backoff: Backoff,
    access_token: Option<Secret>,
}

impl HubClient {
    /// A client for the hub at `base_url` (`https://…`; plain `http://` only to this
    /// machine, for tests and a hub on the same laptop). Paths are joined under it, so
    /// `https://hub.example/council` serves `https://hub.example/council/v1/push`.
    pub fn new(base_url: &str) -> Result<Self, ClientError> {
        let mut base = Url::parse(base_url.trim()).map_err(|e| ClientError::BadUrl {
            reason: format!("{base_url:?} is not a web address: {e}"),
        })?;
        match base.scheme() {
            "https" => {}
            "http" if is_loopback(&base) => {}
            "http" => {
                return Err(ClientError::BadUrl {
                    reason: "The hub address must start with https:// (records are personal data)"
                        .to_owned(),
                });
            }
            other => {
                return Err(ClientError::BadUrl {
                    reason: format!("The hub address must start with https://, not {other}://"),
                });
            }
        }
        if base.cannot_be_a_base() || base.host().is_none() {
            return Err(ClientError::BadUrl {
                reason: format!("{base_url:?} has no host"),
            });
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        base.set_query(None);
        base.set_fragment(None);
        // reqwest is built without a crypto provider of its own: give it ring. An error only
        // means one is installed already, which reqwest then uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("doorstep/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            // A hub that goes silent mid-answer (a partition on a kept-alive connection) is
            // given up on after 30 s without a byte, not after the whole request's 120 s.
            .read_timeout(Duration::from_secs(30))
            .timeout(Duration::from_secs(120))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError::Setup {
                reason: e.to_string(),
            })?;
        Ok(Self {
            http,
            base,
            backoff: Backoff::default(),
            access_token: None,
        })
    }

    /// The same client with another retry policy.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The same client using `token` for push, pull and attachments.
    pub fn with_access_token(mut self, token: Secret) -> Self {
        self.access_token = Some(token);
        self
    }

    /// Uses `token` from now on (after enrolment or a refresh).
    pub fn set_access_token(&mut self, token: Secret) {
        self.access_token = Some(token);
    }

    /// The hub's base address, ending in `/`.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// `POST /v1/enrol`: joins the hub with a one-time code. Keeps the access token it gets.
    pub async fn enrol(
        &mut self,
        code: &Secret,
        device_name: &str,
    ) -> Result<EnrolResponse, ClientError> {
        let request = EnrolRequest {
            protocol: PROTOCOL_VERSION,
            code: code.clone(),
            device_name: device_name.to_owned(),
        };
        let response: EnrolResponse = self
            .send(
                Method::POST,
                "v1/enrol",
                Some(json(&request)?),
                false,
                Retry::OnlyIfUnprocessed,
            )
            .await?;
        self.access_token = Some(response.access_token.clone());
        Ok(response)
    }

    /// `POST /v1/token/refresh`: swaps the refresh token for new tokens. Keeps the new
    /// access token; the caller must store the new refresh token, the old one is spent.
    pub async fn refresh(
        &mut self,
        device_id: DeviceId,
        refresh_token: &Secret,
    ) -> Result<RefreshResponse, ClientError> {
        let request = RefreshRequest {
            protocol: PROTOCOL_VERSION,
            device_id,
            refresh_token: refresh_token.clone(),
        };
        let response: RefreshResponse = self
            .send(
                Method::POST,
                "v1/token/refresh",
                Some(json(&request)?),
                false,
                Retry::OnlyIfUnprocessed,
            )
            .await?;
        self.access_token = Some(response.access_token.clone());
        Ok(response)
    }

    /// `POST /v1/push`: one batch of the outbox, oldest first. Safe to repeat: the hub
    /// applies each change id once.
    pub async fn push(
        &self,
        device_id: DeviceId,
        changes: &[Change],
    ) -> Result<PushResponse, ClientError> {
        let body = json(&PushBody {
            protocol: PROTOCOL_VERSION,
            device_id,
            changes,
        })?;
        if changes.len() > MAX_BATCH || body.bytes.len() > MAX_BODY_BYTES {
            return Err(ClientError::BatchTooLarge {
                changes: changes.len(),
                bytes: body.bytes.len(),
            });
        }
        self.send(Method::POST, "v1/push", Some(body), true, Retry::Idempotent)
            .await
    }

    /// `POST /v1/pull`: up to `limit` log entries after `after`.
    pub async fn pull(&self, after: u64, limit: u32) -> Result<PullResponse, ClientError> {
        let request = PullRequest {
            protocol: PROTOCOL_VERSION,
            after,
            limit,
        };
        self.send(
            Method::POST,
            "v1/pull",
            Some(json(&request)?),
            true,
            Retry::Idempotent,
        )
        .await
    }

    /// `PUT /v1/attachments/{sha256}`: uploads bytes under their hash; a repeat is a no-op.
    pub async fn put_attachment(
        &self,
        sha256: &str,
        bytes: Vec<u8>,
    ) -> Result<AttachmentReceipt, ClientError> {
        check_sha256(sha256)?;
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(ClientError::BadAttachment {
                reason: format!(
                    "The attachment is {} bytes; the hub takes at most {MAX_ATTACHMENT_BYTES}",
                    bytes.len()
                ),
            });
        }
        let body = Body {
            bytes,
            content_type: "application/octet-stream",
        };
        self.send(
            Method::PUT,
            &format!("v1/attachments/{sha256}"),
            Some(body),
            true,
            Retry::Idempotent,
        )
        .await
    }

    /// `GET /v1/attachments/{sha256}`: downloads an attachment's bytes.
    pub async fn get_attachment(&self, sha256: &str) -> Result<Vec<u8>, ClientError> {
        check_sha256(sha256)?;
        let bytes = self
            .send_raw(
                Method::GET,
                &format!("v1/attachments/{sha256}"),
                None,
                true,
                Retry::Idempotent,
            )
            .await?;
        Ok(bytes)
    }

    async fn send<T: DeserializeOwned>(
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
    async fn send_raw(
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
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

fn json<T: Serialize>(value: &T) -> Result<Body, ClientError> {
    let bytes = serde_json::to_vec(value).map_err(|e| ClientError::BadResponse {
        reason: format!("the request could not be written: {e}"),
    })?;
    Ok(Body {
        bytes,
        content_type: "application/json",
    })
}

fn check_sha256(sha256: &str) -> Result<(), ClientError> {
    if is_sha256_hex(sha256) {
        Ok(())
    } else {
        Err(ClientError::BadAttachment {
            reason: format!("{sha256:?} is not a SHA-256 in lowercase hex"),
        })
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[test]
    fn ceilings_double_then_stop_at_the_cap() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            factor: 2,
            max_delay: Duration::from_millis(1_000),
            max_attempts: 10,
        };
        let ceilings: Vec<u128> = (0..7).map(|r| b.ceiling(r).as_millis()).collect();
        assert_eq!(ceilings, [100, 200, 400, 800, 1_000, 1_000, 1_000]);
        assert_eq!(b.ceiling(u32::MAX), Duration::from_millis(1_000));
    }

    #[rstest]
    #[case(0, 0)]
    #[case(3, 1)]
    #[case(7, u64::MAX)]
    #[case(40, 12_345)]
    fn each_delay_is_between_half_the_ceiling_and_the_ceiling(
        #[case] retry: u32,
        #[case] random: u64,
    ) {
        let b = Backoff::default();
        let ceiling = b.ceiling(retry);
        let d = b.delay(retry, random);
        assert!(d >= ceiling / 2, "{d:?} under half of {ceiling:?}");
        assert!(d <= ceiling, "{d:?} over {ceiling:?}");
        assert!(d <= b.max_delay);
    }

    #[test]
    fn one_wait_between_each_pair_of_attempts_and_the_same_seed_gives_the_same_waits() {
        let b = Backoff::default();
        let first: Vec<Duration> = b.delays(42).collect();
        assert_eq!(first.len(), 5);
        assert_eq!(first, b.delays(42).collect::<Vec<_>>());
        assert_ne!(first, b.delays(43).collect::<Vec<_>>(), "jitter must vary");
        for (retry, d) in (0u32..).zip(&first) {
            assert!(*d >= b.ceiling(retry) / 2 && *d <= b.ceiling(retry));
        }
        assert_eq!(Backoff::immediate(1).delays(7).count(), 0);
        assert!(Backoff::immediate(4).delays(7).all(|d| d.is_zero()));
    }

    #[test]
    fn jitter_spreads_a_crowd() {
        let b = Backoff::default();
        let waits: std::collections::BTreeSet<Duration> = (0..100)
            .map(|seed| b.delays(seed).nth(3).unwrap_or_default())
            .collect();
        assert!(waits.len() > 50, "only {} distinct waits", waits.len());
    }

    #[rstest]
    #[case::revoked(
        410,
        r#"{"code":"device_revoked","message":"x"}"#,
        Action::WipeLocalData
    )]
    #[case::expired(401, r#"{"code":"token_expired","message":"x"}"#, Action::RefreshToken)]
    #[case::unauthorised(401, r#"{"code":"unauthorised","message":"x"}"#, Action::Enrol)]
    #[case::protocol(400, r#"{"code":"wrong_protocol","message":"x"}"#, Action::UpdateApp)]
    #[case::scope(403, r#"{"code":"out_of_scope","message":"x"}"#, Action::Report)]
    #[case::not_json(404, "<html>not found</html>", Action::Report)]
    fn a_refusal_says_what_to_do(#[case] status: u16, #[case] body: &str, #[case] action: Action) {
        assert_eq!(
            ClientError::from_response(status, body.as_bytes()).action(),
            action
        );
    }

    #[test]
    fn revoked_tells_the_user_to_wipe() {
        let e = ClientError::from_response(410, br#"{"code":"device_revoked","message":"gone"}"#);
        assert_eq!(e, ClientError::Revoked);
        assert_eq!(
            e.to_string(),
            "This laptop was removed from the hub: its local data must be wiped"
        );
        assert_eq!(e.code(), Some(ErrorCode::DeviceRevoked));
    }

    #[rstest]
    #[case("https://hub.example.gov.uk", "https://hub.example.gov.uk/v1/push")]
    #[case(
        "https://hub.example.gov.uk/council",
        "https://hub.example.gov.uk/council/v1/push"
    )]
    #[case(
        "https://hub.example.gov.uk/council/?x=1",
        "https://hub.example.gov.uk/council/v1/push"
    )]
    #[case("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/push")]
    #[case("http://localhost:8080", "http://localhost:8080/v1/push")]
    fn paths_join_under_the_base(#[case] base: &str, #[case] push: &str) {
        let client = HubClient::new(base).expect("a good address");
        assert_eq!(
            client.base_url().join("v1/push").expect("join").as_str(),
            push
        );
    }

    #[rstest]
    #[case("http://hub.example.gov.uk")]
    #[case("ftp://hub.example.gov.uk")]
    #[case("hub.example.gov.uk")]
    #[case("")]
    fn only_https_except_to_this_machine(#[case] base: &str) {
        assert!(matches!(
            HubClient::new(base),
            Err(ClientError::BadUrl { .. })
        ));
    }

    #[test]
    fn retry_after_in_seconds() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, reqwest::header::HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            reqwest::header::HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), None);
    }
}
