//! `/v1/openapi.json`: the sync API's OpenAPI 3.1 document, made by utoipa from the
//! handlers' `#[utoipa::path]` annotations (server.rs, attachments.rs) and the wire types'
//! `ToSchema` (doorstep-sync's `openapi` feature), so it cannot drift from the code. The
//! refusals are listed here: groups several endpoints share, and what only one gives.

use std::sync::OnceLock;

use doorstep_sync::protocol::ErrorBody;
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi, ToSchema};

/// The document, as served.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Doorstep hub sync API",
        version = "1",
        description = "Protocol v1 between the Doorstep app and the council hub. Every refusal is a 4xx with an ErrorBody; nothing a refused request sent is stored, and the attempt is in the audit log. Limits: 4 MiB per JSON body, 16 MiB per attachment, 500 changes per push, 1000 entries per pull, a per-device token bucket (429). What a user pulls and may push depends on their role and team (docs/hub.md, 'Who sees what')."
    ),
    paths(
        crate::server::enrol,
        crate::server::refresh,
        crate::server::push,
        crate::server::pull_get,
        crate::server::pull_post,
        crate::attachments::upload,
        crate::attachments::download,
        crate::server::health,
        crate::server::openapi,
    ),
    // The refusals' body: the enums above name it, which utoipa does not follow.
    components(schemas(ErrorBody)),
    modifiers(&BearerToken)
)]
pub struct ApiDoc;

/// The JSON text of the document, made once.
pub fn document() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"the OpenAPI document failed: {e}\"}}"))
    })
}

/// Adds the `bearer` scheme the authenticated endpoints name.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.description = Some("The access token from /v1/enrol or /v1/token/refresh".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(http));
    }
}

/// The header every sync request may carry.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct ProtocolHeader {
    /// Protocol version; when sent it must be 1 (wrong_protocol otherwise)
    #[param(rename = "doorstep-protocol")]
    pub doorstep_protocol: Option<String>,
}

/// An attachment's name in the path.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AttachmentName {
    /// The lowercase hex SHA-256 of the bytes
    #[param(pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
}

/// `/v1/health`'s answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always "ok".
    pub status: String,
    /// The protocol version the hub speaks.
    pub protocol: u32,
}

/// Refusals every JSON endpoint can give.
#[derive(Debug, IntoResponses)]
pub enum JsonRefusals {
    /// malformed (not JSON, wrong shape) or wrong_protocol
    #[response(status = 400)]
    Malformed(ErrorBody),
    /// too_large: body over 4 MiB (or, for a push, over 500 changes)
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// rate_limited (Retry-After header)
    #[response(status = 429)]
    RateLimited(ErrorBody),
    /// unavailable: the hub's database failed; nothing was stored
    #[response(status = 503)]
    Unavailable(ErrorBody),
}

/// invalid: breaks a protocol rule
#[derive(Debug, IntoResponses)]
#[response(status = 422)]
pub struct Invalid(pub ErrorBody);

/// device_revoked: the message says to wipe the local data
#[derive(Debug, IntoResponses)]
#[response(status = 410)]
pub struct Revoked(pub ErrorBody);

/// unauthorised (no, unknown or withdrawn token, or a device_id that is not the token's) or token_expired
#[derive(Debug, IntoResponses)]
#[response(status = 401)]
pub struct Unsigned(pub ErrorBody);

/// unauthorised: unknown, used or expired code
#[derive(Debug, IntoResponses)]
#[response(status = 401)]
pub struct BadCode(pub ErrorBody);

/// unauthorised: unknown, expired or replayed refresh token (a replay withdraws all the device's tokens), or a token of another device than device_id
#[derive(Debug, IntoResponses)]
#[response(status = 401)]
pub struct BadRefreshToken(pub ErrorBody);

/// What only `/v1/push` refuses; the whole batch is refused and nothing of it is stored.
#[derive(Debug, IntoResponses)]
pub enum PushRefusals {
    /// out_of_scope: a record of another team or one that refers to another team's record, a kind of record the user's role may not see or change, a change to a conflict record other than a supervisor's decision, or a role that does not sync
    #[response(status = 403)]
    OutOfScope(ErrorBody),
    /// conflict: a change id pushed by another device
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// unknown_entity or invalid
    #[response(status = 422)]
    Invalid(ErrorBody),
}

/// Refusals both attachment endpoints give.
#[derive(Debug, IntoResponses)]
pub enum AttachmentRefusals {
    /// malformed: the name is not a SHA-256 in lowercase hex; or wrong_protocol
    #[response(status = 400)]
    Malformed(ErrorBody),
    /// unauthorised or token_expired
    #[response(status = 401)]
    Unauthorised(ErrorBody),
    /// out_of_scope: a role that does not sync (contractor, analyst, admin)
    #[response(status = 403)]
    OutOfScope(ErrorBody),
    /// rate_limited (Retry-After header)
    #[response(status = 429)]
    RateLimited(ErrorBody),
    /// unavailable: the hub's database failed (an upload stores nothing)
    #[response(status = 503)]
    Unavailable(ErrorBody),
}

/// What only `PUT /v1/attachments/{sha256}` refuses.
#[derive(Debug, IntoResponses)]
pub enum UploadRefusals {
    /// too_large: over 16 MiB
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// invalid: the bytes' SHA-256 is not the name, or they are not an image (or empty)
    #[response(status = 422)]
    Invalid(ErrorBody),
}

/// not_found: no such attachment for the user's team (another team's attachment gets the same answer)
#[derive(Debug, IntoResponses)]
#[response(status = 404)]
pub struct NotFound(pub ErrorBody);
