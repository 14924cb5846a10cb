//! The HTTP API (`/v1/…`): enrolment, token refresh, push, pull, attachments
//! ([`crate::attachments`]), the household openings for the audit log
//! ([`crate::openings`]), health and the OpenAPI document. Every refusal is a 4xx with a
//! JSON `{code, message}` body, written to the audit log; nothing a request does is stored
//! unless the whole request succeeds.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use doorstep_core::{DeviceId, Officer};
use doorstep_sync::protocol::{
    EnrolRequest, EnrolResponse, ErrorBody, ErrorCode, MAX_BODY_BYTES, MAX_PULL_LIMIT,
    OpeningsRequest, Organisation, PROTOCOL_HEADER, PROTOCOL_VERSION, PullRequest, PushRequest,
    RefreshRequest, RefreshResponse, Request, Secret, decode_request,
};
use serde::Deserialize;

use crate::access;
pub use crate::api_error::ApiError;
use crate::clock::Clock;
use crate::config::HubConfig;
use crate::model::{AuditEntry, Principal, Refusal, TokenDigests, syncs_records};
#[allow(
    unused_imports,
    reason = "named only in the handlers' #[utoipa::path] annotations"
)]
use crate::openapi::{
    BadCode, BadRefreshToken, DoorRefusals, Health, Invalid, JsonRefusals, OpeningsRefusals,
    ProtocolHeader, PushRefusals, Revoked, Unsigned,
};
use crate::rate::RateLimiter;
use crate::refusals::{Refused, Tally};
use crate::secret::{self, TokenKind};
use crate::store::SharedStore;
#[allow(
    unused_imports,
    reason = "named only in the handlers' #[utoipa::path] annotations"
)]
use doorstep_sync::protocol::{OpeningsResponse, PullResponse, PushResponse};

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: SharedStore,
    config: HubConfig,
    clock: Clock,
    limiter: RateLimiter,
    refusal_limiter: RateLimiter,
    tally: Tally,
    /// The app version each device was last recorded with, so an unchanged one costs no
    /// write (see [`note_app_version`]).
    app_versions: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

impl AppState {
    /// State over `store` with `config`, on the system clock.
    pub fn new(store: SharedStore, config: HubConfig) -> Self {
        Self::with_clock(store, config, Clock::system())
    }

    /// State with a clock that tests can move forward.
    pub fn with_clock(store: SharedStore, config: HubConfig, clock: Clock) -> Self {
        let limiter = RateLimiter::new(config.rate_limit);
        let refusal_limiter = RateLimiter::new(config.refusal_rate_limit);
        Self {
            inner: Arc::new(Inner {
                store,
                config,
                clock,
                limiter,
                refusal_limiter,
                tally: Tally::default(),
                app_versions: std::sync::Mutex::default(),
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &SharedStore {
        &self.inner.store
    }

    /// The settings the hub was started with.
    pub fn config(&self) -> &HubConfig {
        &self.inner.config
    }

    pub(crate) fn now(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// The hub's clock, shared with the contractor portal.
    pub(crate) fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    pub(crate) fn limit(&self, key: &str, now: i64) -> Result<(), ApiError> {
        self.inner.limiter.check(key, now).map_err(|wait| {
            ApiError::refused_after(
                ErrorBody::new(
                    ErrorCode::RateLimited,
                    format!("Too many requests from this laptop: try again in {wait} s"),
                ),
                wait,
            )
        })
    }

    /// A fresh token pair: the secrets to hand out and the digests to store.
    fn new_tokens(&self, now: i64) -> Result<(Secret, Secret, TokenDigests), ApiError> {
        let access = secret::new_token(TokenKind::Access).map_err(ApiError::unavailable)?;
        let refresh = secret::new_token(TokenKind::Refresh).map_err(ApiError::unavailable)?;
        let config = &self.inner.config;
        let digests = TokenDigests {
            access: secret::digest(&access),
            access_expires_at: now.saturating_add(config.access_token_secs.saturating_mul(1000)),
            refresh: secret::digest(&refresh),
            refresh_expires_at: now.saturating_add(config.refresh_token_secs.saturating_mul(1000)),
        };
        Ok((Secret::new(access), Secret::new(refresh), digests))
    }

    /// The bucket each address's refusals of requests that proved no identity drain.
    pub(crate) fn refusal_limiter(&self) -> &RateLimiter {
        &self.inner.refusal_limiter
    }

    /// Writes a refusal to the audit log, or counts it towards a tally line when it is of
    /// a kind that repeats ([`crate::refusals::is_tallied`]).
    pub(crate) async fn audit_refusal(&self, entry: AuditEntry) {
        let lines = if crate::refusals::is_tallied(&entry) {
            self.inner.tally.note(entry, self.now())
        } else {
            vec![entry]
        };
        self.write_audit(&lines).await;
    }

    /// Writes the tallies of refusals whose minute is over (all of them when `all`, as
    /// the hub stops); `serve` calls it every few seconds.
    pub async fn flush_refusal_tallies(&self, all: bool) {
        let lines = self.inner.tally.due(self.now(), all);
        self.write_audit(&lines).await;
    }

    async fn write_audit(&self, lines: &[AuditEntry]) {
        if lines.is_empty() {
            return;
        }
        if let Err(e) = self.store().append_audit(lines).await {
            tracing::error!(error = %e, "could not write a refusal to the audit log");
        }
    }

    /// Turns a handler's result into the response; a refusal goes with it as a
    /// [`Refused`], which `crate::refusals::count` writes to the audit log.
    pub(crate) async fn finish(
        &self,
        action: &str,
        who: Option<&Principal>,
        result: Result<Response, ApiError>,
    ) -> Response {
        match result {
            Ok(response) => response,
            Err(error) => {
                let mut entry = AuditEntry::request(self.now(), who, action, error.code());
                if let (None, ApiError::Refused { device_id, .. }) = (who, &error) {
                    entry.device_id.clone_from(device_id);
                }
                tracing::info!(action, code = error.code(), "request refused");
                let mut response = error.into_response();
                response.extensions_mut().insert(Refused(entry));
                response
            }
        }
    }
}

/// The hub's routes: each part brings its own (with its own body limit) and is merged
/// here, so another part (the contractor portal) is one more `merge`. Unknown paths and
/// methods get JSON answers.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(sync_routes())
        .merge(crate::attachments::routes())
        .merge(crate::portal::router(&state))
        .merge(crate::console::router(&state))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(
            crate::intake::refuse_unstorable_text,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::refusals::count,
        ))
        .with_state(state)
}

/// Enrolment, tokens, push and pull, household openings, health and the OpenAPI document:
/// JSON bodies of at most [`MAX_BODY_BYTES`].
fn sync_routes() -> Router<AppState> {
    Router::new()
        .route("/v1/enrol", post(enrol))
        .route("/v1/token/refresh", post(refresh))
        .route("/v1/push", post(push))
        .route("/v1/pull", get(pull_get).post(pull_post))
        .route("/v1/audit/openings", post(openings))
        .route("/v1/health", get(health))
        .route("/v1/openapi.json", get(openapi))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            MAX_BODY_BYTES,
            crate::intake::refuse_declared_over,
        ))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// A `doorstep-protocol` header, when sent, must name our version.
pub(crate) fn check_protocol_header(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(PROTOCOL_HEADER) else {
        return Ok(());
    };
    match value.to_str().ok().map(str::trim) {
        Some(v) if v == PROTOCOL_VERSION.to_string() => Ok(()),
        other => Err(ErrorBody::new(
            ErrorCode::WrongProtocol,
            format!(
                "This laptop speaks sync protocol {} and the hub speaks {PROTOCOL_VERSION}: update the app",
                other.unwrap_or("?")
            ),
        )
        .into()),
    }
}

pub(crate) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    now: i64,
) -> Result<Principal, ApiError> {
    let token = bearer(headers).ok_or_else(|| {
        ErrorBody::new(
            ErrorCode::Unauthorised,
            "No sign-in: send the access token as `Authorization: Bearer …`",
        )
    })?;
    let principal = state
        .store()
        .authenticate(&secret::digest(token), now)
        .await?;
    if let Some(version) = app_version(headers) {
        note_app_version(state, &principal.device_id.to_string(), version).await;
    }
    Ok(principal)
}

/// The version in a laptop's `User-Agent: doorstep/<version>` (the sync client's), if the
/// header is that and the version is short and plain (digits, letters, `.`, `-`, `+`).
pub(crate) fn app_version(headers: &HeaderMap) -> Option<&str> {
    let agent = headers.get(header::USER_AGENT)?.to_str().ok()?;
    let version = agent.strip_prefix("doorstep/")?.split(' ').next()?;
    let plain = !version.is_empty()
        && version.len() <= 32
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'));
    plain.then_some(version)
}

/// Records the device's app version when it differs from the one this hub last recorded
/// (the first request after start-up writes at most once per device). A failure is only
/// logged: the request it came with goes on.
async fn note_app_version(state: &AppState, device_id: &str, version: &str) {
    let known = state
        .inner
        .app_versions
        .lock()
        .map(|v| v.get(device_id).is_some_and(|known| known == version))
        .unwrap_or(false);
    if known {
        return;
    }
    match state.store().note_app_version(device_id, version).await {
        Ok(()) => {
            if let Ok(mut versions) = state.inner.app_versions.lock() {
                versions.insert(device_id.to_owned(), version.to_owned());
            }
        }
        Err(error) => tracing::warn!(%error, "could not record a laptop's app version"),
    }
}

/// Reads a JSON request body: too large → 413, unreadable → 400, then the protocol's own
/// checks (wrong protocol, unknown entity, the request's rules).
fn decode<T: Request>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ErrorBody::new(
                ErrorCode::TooLarge,
                format!(
                    "The request is larger than the hub reads ({MAX_BODY_BYTES} bytes): send fewer changes at a time"
                ),
            )
        } else {
            ErrorBody::new(
                ErrorCode::Malformed,
                format!("The hub could not read the request: {}", rejection.body_text()),
            )
        }
    })?;
    Ok(decode_request::<T>(&bytes)?)
}

fn millis_to_time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Enrol a laptop with a one-time code.
#[utoipa::path(
    post,
    path = "/v1/enrol",
    operation_id = "enrol",
    params(ProtocolHeader),
    request_body = EnrolRequest,
    responses(
        (status = 201, description = "Enrolled: the device id and its first tokens", body = EnrolResponse),
        JsonRefusals,
        Invalid,
        BadCode,
    )
)]
pub(crate) async fn enrol(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let mut who = None;
    let result = enrol_inner(&state, peer, &headers, body, &mut who).await;
    state.finish("enrol", who.as_ref(), result).await
}

async fn enrol_inner(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    who: &mut Option<Principal>,
) -> Result<Response, ApiError> {
    let now = state.now();
    state.limit(&format!("addr:{}", peer.ip()), now)?;
    check_protocol_header(headers)?;
    let request: EnrolRequest = decode(body)?;
    let device_id = DeviceId::new();
    let (access, refresh, digests) = state.new_tokens(now)?;
    let principal = state
        .store()
        .enrol(
            &secret::code_digest(request.code.expose()),
            &device_id.to_string(),
            request.device_name.trim(),
            &digests,
            now,
        )
        .await?;
    state
        .store()
        .append_audit(&[AuditEntry::request(now, Some(&principal), "enrol", "ok")])
        .await?;
    let response = EnrolResponse {
        device_id,
        access_token: access,
        refresh_token: refresh,
        access_expires_at: millis_to_time(digests.access_expires_at),
        organisation: Organisation {
            id: principal.org_id,
            name: principal.org_name.clone(),
        },
        user: Officer {
            id: principal.user_id,
            name: principal.user_name.clone(),
            role: principal.role,
        },
    };
    *who = Some(principal);
    Ok((StatusCode::CREATED, Json(response)).into_response())
}

/// Swap a refresh token (spent by this call) for new tokens.
#[utoipa::path(
    post,
    path = "/v1/token/refresh",
    operation_id = "refresh",
    params(ProtocolHeader),
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = RefreshResponse),
        JsonRefusals,
        Invalid,
        BadRefreshToken,
        Revoked,
    )
)]
pub(crate) async fn refresh(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let mut who = None;
    let result = refresh_inner(&state, peer, &headers, body, &mut who).await;
    state.finish("refresh", who.as_ref(), result).await
}

async fn refresh_inner(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    who: &mut Option<Principal>,
) -> Result<Response, ApiError> {
    let now = state.now();
    state.limit(&format!("addr:{}", peer.ip()), now)?;
    check_protocol_header(headers)?;
    let request: RefreshRequest = decode(body)?;
    let (access, refresh, digests) = state.new_tokens(now)?;
    let principal = state
        .store()
        .refresh(
            &secret::digest(request.refresh_token.expose()),
            &request.device_id.to_string(),
            &digests,
            now,
        )
        .await??;
    state
        .store()
        .append_audit(&[AuditEntry::request(now, Some(&principal), "refresh", "ok")])
        .await?;
    *who = Some(principal);
    Ok(Json(RefreshResponse {
        access_token: access,
        refresh_token: refresh,
        access_expires_at: millis_to_time(digests.access_expires_at),
    })
    .into_response())
}

/// Apply a batch of changes in one transaction, each change once.
#[utoipa::path(
    post,
    path = "/v1/push",
    operation_id = "push",
    security(("bearer" = [])),
    params(ProtocolHeader),
    request_body = PushRequest,
    responses(
        (status = 200, description = "Applied, already applied, conflicts and the change-log position", body = PushResponse),
        JsonRefusals,
        PushRefusals,
        Unsigned,
        Revoked,
    )
)]
pub(crate) async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let mut who = None;
    let result = push_inner(&state, &headers, body, &mut who).await;
    state.finish("push", who.as_ref(), result).await
}

async fn push_inner(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    who: &mut Option<Principal>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let principal = who.insert(authenticate(state, headers, now).await?);
    state.limit(&principal.device_id.to_string(), now)?;
    check_protocol_header(headers)?;
    let request: PushRequest = decode(body)?;
    if request.device_id != principal.device_id {
        return Err(Refusal::ForgedDevice.into());
    }
    if !syncs_records(principal.role) {
        return Err(Refusal::RoleForbidden(principal.role).into());
    }
    // One change the role may not make, or stamped by a clock running ahead of the hub's,
    // refuses the whole batch, before anything is read.
    for change in &request.changes {
        access::check_write(principal.role, change)?;
        change
            .hlc
            .check_not_ahead(millis_to_time(now))
            .map_err(|drift| {
                Refusal::Invalid(format!(
                    "change {}: its clock reading is {} s ahead of the hub's clock; set the laptop's date and time, and it will be sent again once that time has passed",
                    change.change_id,
                    drift.ahead_ms / 1000
                ))
            })?;
    }
    let response = state.store().push(principal, &request.changes, now).await?;
    Ok(Json(response).into_response())
}

/// Record who opened which household on the laptop, for the audit log; each opening once.
///
/// One `open` line per opening the hub has not recorded from this device before, at the time it was opened, naming the person signed in on the laptop. A retried batch writes nothing again. A refused batch writes nothing but the refusal's own line.
#[utoipa::path(
    post,
    path = "/v1/audit/openings",
    operation_id = "auditOpenings",
    security(("bearer" = [])),
    params(ProtocolHeader),
    request_body = OpeningsRequest,
    responses(
        (status = 200, description = "Recorded: how many openings were new and how many the hub had already", body = OpeningsResponse),
        JsonRefusals,
        OpeningsRefusals,
        Unsigned,
        Revoked,
    )
)]
pub(crate) async fn openings(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let mut who = None;
    let result = openings_inner(&state, &headers, body, &mut who).await;
    state.finish("openings", who.as_ref(), result).await
}

async fn openings_inner(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    who: &mut Option<Principal>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let principal = who.insert(authenticate(state, headers, now).await?);
    state.limit(&principal.device_id.to_string(), now)?;
    check_protocol_header(headers)?;
    let request: OpeningsRequest = decode(body)?;
    // Only people who hold households on a laptop open them there.
    if !syncs_records(principal.role) {
        return Err(Refusal::RoleForbidden(principal.role).into());
    }
    // One opening stamped by a clock running ahead refuses the batch, before anything is written.
    for opening in &request.openings {
        opening
            .check_not_ahead(millis_to_time(now))
            .map_err(Refusal::Invalid)?;
    }
    let response = state
        .store()
        .record_openings(principal, &request.openings, now)
        .await?;
    Ok(Json(response).into_response())
}

/// `GET /v1/pull` takes the pull request as query parameters; all are optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PullQuery {
    protocol: Option<u32>,
    after: Option<u64>,
    limit: Option<u32>,
}

/// Change-log entries after a cursor, as this user may see them.
///
/// Entries of the user's team after the cursor, only of the kinds of record the role receives and with the fields it may not read removed. A `remove` entry means the record left the user's scope. `full_resync_needed` (no entries): the cursor is below the compaction horizon or past the head, or the user changed team or role: forget the synced records and pull again from 0.
#[utoipa::path(
    get,
    path = "/v1/pull",
    operation_id = "pullGet",
    security(("bearer" = [])),
    params(
        ProtocolHeader,
        ("protocol" = Option<u32>, Query, minimum = 1, maximum = 1, description = "Protocol version (1)"),
        ("after" = Option<u64>, Query, description = "The cursor: entries after this position (default 0)"),
        ("limit" = Option<u32>, Query, minimum = 1, description = "At most this many entries, at least 1; the hub lowers it to 1000 (default 1000)"),
    ),
    responses(
        (status = 200, description = "A page of the change log", body = PullResponse),
        JsonRefusals,
        Invalid,
        Unsigned,
        Revoked,
    )
)]
pub(crate) async fn pull_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Response {
    let request = query
        .map_err(|rejection| {
            ApiError::from(ErrorBody::new(
                ErrorCode::Malformed,
                format!(
                    "The hub could not read the query: {}",
                    rejection.body_text()
                ),
            ))
        })
        .and_then(|Query(q)| {
            let request = PullRequest {
                protocol: q.protocol.unwrap_or(PROTOCOL_VERSION),
                after: q.after.unwrap_or(0),
                limit: q.limit.unwrap_or(MAX_PULL_LIMIT),
            };
            // The same checks as a JSON body gets.
            let json = serde_json::to_vec(&request).map_err(ApiError::unavailable)?;
            Ok(decode_request::<PullRequest>(&json)?)
        });
    pull(state, headers, request).await
}

/// Change-log entries after a cursor, as this user may see them.
///
/// Entries of the user's team after the cursor, only of the kinds of record the role receives and with the fields it may not read removed. A `remove` entry means the record left the user's scope. `full_resync_needed` (no entries): the cursor is below the compaction horizon or past the head, or the user changed team or role: forget the synced records and pull again from 0.
#[utoipa::path(
    post,
    path = "/v1/pull",
    operation_id = "pull",
    security(("bearer" = [])),
    params(ProtocolHeader),
    request_body = PullRequest,
    responses(
        (status = 200, description = "A page of the change log", body = PullResponse),
        JsonRefusals,
        Invalid,
        Unsigned,
        Revoked,
    )
)]
pub(crate) async fn pull_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    pull(state, headers, Err(body)).await
}

/// The request is either decoded already (GET) or still a body (POST, as `Err(body)`), so
/// that authentication comes first either way.
async fn pull(
    state: AppState,
    headers: HeaderMap,
    request: Result<PullRequest, impl Into<PullBody>>,
) -> Response {
    let mut who = None;
    let result = pull_inner(&state, &headers, request.map_err(Into::into), &mut who).await;
    state.finish("pull", who.as_ref(), result).await
}

/// What `pull` was given besides a decoded GET query.
enum PullBody {
    Body(Result<Bytes, BytesRejection>),
    Refused(ApiError),
}

impl From<Result<Bytes, BytesRejection>> for PullBody {
    fn from(body: Result<Bytes, BytesRejection>) -> Self {
        Self::Body(body)
    }
}

impl From<ApiError> for PullBody {
    fn from(error: ApiError) -> Self {
        Self::Refused(error)
    }
}

async fn pull_inner(
    state: &AppState,
    headers: &HeaderMap,
    request: Result<PullRequest, PullBody>,
    who: &mut Option<Principal>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let principal = who.insert(authenticate(state, headers, now).await?);
    state.limit(&principal.device_id.to_string(), now)?;
    check_protocol_header(headers)?;
    let request = match request {
        Ok(request) => request,
        Err(PullBody::Body(body)) => decode::<PullRequest>(body)?,
        Err(PullBody::Refused(error)) => return Err(error),
    };
    let response = state
        .store()
        .pull(
            principal,
            request.after,
            request.limit.min(MAX_PULL_LIMIT),
            now,
        )
        .await?;
    Ok(Json(response).into_response())
}

/// Liveness.
#[utoipa::path(
    get,
    path = "/v1/health",
    operation_id = "health",
    responses((status = 200, description = "The hub is up", body = Health), DoorRefusals)
)]
pub(crate) async fn health() -> Response {
    Json(serde_json::json!({ "status": "ok", "protocol": PROTOCOL_VERSION })).into_response()
}

/// This document.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    operation_id = "openapi",
    responses(
        (status = 200, description = "OpenAPI 3.1", content_type = "application/json"),
        DoorRefusals,
    )
)]
pub(crate) async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::document(),
    )
        .into_response()
}

async fn not_found(uri: axum::http::Uri) -> Response {
    ApiError::from(ErrorBody::new(
        ErrorCode::NotFound,
        format!("There is no {} on this hub", uri.path()),
    ))
    .into_response()
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    let body = ErrorBody::new(
        ErrorCode::NotFound,
        format!("{} does not take {method}", uri.path()),
    );
    (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every route `router` serves, with its methods: the OpenAPI file must match.
    const ROUTES: &[(&str, &[&str])] = &[
        ("/v1/enrol", &["post"]),
        ("/v1/token/refresh", &["post"]),
        ("/v1/push", &["post"]),
        ("/v1/pull", &["get", "post"]),
        ("/v1/audit/openings", &["post"]),
        ("/v1/attachments/{sha256}", &["get", "put"]),
        ("/v1/health", &["get"]),
        ("/v1/openapi.json", &["get"]),
    ];

    #[test]
    fn the_app_version_is_read_only_from_the_apps_own_user_agent() {
        let with = |agent: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::USER_AGENT, agent.parse().unwrap());
            app_version(&headers).map(str::to_owned)
        };
        assert_eq!(with("doorstep/0.1.0").as_deref(), Some("0.1.0"));
        assert_eq!(
            with("doorstep/1.2.3-rc.1+b7 extra").as_deref(),
            Some("1.2.3-rc.1+b7")
        );
        for agent in ["Mozilla/5.0", "doorstep/", "doorstep/<b>", "xdoorstep/1.0"] {
            assert_eq!(with(agent), None, "{agent}");
        }
        assert_eq!(with(&format!("doorstep/{}", "1".repeat(33))), None);
        assert_eq!(app_version(&HeaderMap::new()), None);
    }

    #[test]
    fn the_openapi_document_describes_every_route() {
        let text = crate::openapi::document();
        let doc: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().unwrap();
        assert_eq!(paths.len(), ROUTES.len(), "no path beyond the routes");
        for (path, methods) in ROUTES {
            let item = paths[*path].as_object().unwrap();
            let mut documented: Vec<&str> = item.keys().map(String::as_str).collect();
            documented.sort_unstable();
            assert_eq!(documented, *methods, "methods of {path}");
        }
        // Every $ref points at a schema that exists.
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for reference in text.split("\"$ref\": \"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap();
            assert!(schemas.contains_key(name), "missing schema {name}");
        }
        // The authenticated routes name a scheme the document defines.
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        assert_eq!(
            doc["paths"]["/v1/push"]["post"]["security"][0]["bearer"],
            serde_json::json!([])
        );
        // Every error code of the protocol is listed.
        let codes = doc["components"]["schemas"]["ErrorCode"]["enum"]
            .as_array()
            .unwrap();
        for code in ErrorCode::ALL {
            assert!(codes.iter().any(|c| c == code.as_str()), "code {code}");
        }
    }
}
