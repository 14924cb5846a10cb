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
        description = "Protocol v1 between the Doorstep app and the council hub. Every refusal is a 4xx with an ErrorBody; nothing a refused request sent is stored, and the attempt is in the audit log. Limits: 4 MiB per JSON body, 16 MiB per attachment, 500 changes per push, 1000 entries per pull, 500 household openings per request, a per-device token bucket (429), and one per address for requests that prove no identity. No text anywhere (path, query, header, JSON string or member name, form field) may contain the NUL character U+0000 (422 invalid). A change whose clock reading is more than 5 minutes ahead of the hub's clock is refused (422 invalid). What a user pulls and may push depends on their role and team (docs/hub.md, 'Who sees what')."
    ),
    paths(
        crate::server::enrol,
        crate::server::refresh,
        crate::server::push,
        crate::server::pull_get,
        crate::server::pull_post,
        crate::server::openings,
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
    #[param(rename = "doorstep-protocol", pattern = "^[ \\t]*1[ \\t]*$")]
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
    /// too_large: body over 4 MiB (or, for a push, over 500 changes; for openings, over 500 openings)
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// rate_limited (Retry-After header)
    #[response(status = 429)]
    RateLimited(ErrorBody),
    /// unavailable: the hub's database failed; nothing was stored
    #[response(status = 503)]
    Unavailable(ErrorBody),
}

/// What any route may answer before its handler runs: text with NUL in the path or query,
/// or an address whose refusals spent its allowance.
#[derive(Debug, IntoResponses)]
pub enum DoorRefusals {
    /// invalid: the path or query holds the NUL character
    #[response(status = 422)]
    Unstorable(ErrorBody),
    /// rate_limited: too many refused requests that proved no identity from this address (Retry-After header)
    #[response(status = 429)]
    RateLimited(ErrorBody),
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

/// What only `/v1/audit/openings` refuses; the whole batch is refused and nothing of it is written.
#[derive(Debug, IntoResponses)]
pub enum OpeningsRefusals {
    /// out_of_scope: a role that does not sync (contractor, analyst, admin, DPO)
    #[response(status = 403)]
    OutOfScope(ErrorBody),
    /// invalid: a household id over 128 characters, a name blank, over 200 characters or with a control character, a time more than 5 minutes ahead of the hub's clock, or text with NUL
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

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};
    use doorstep_sync::protocol::{
        EnrolRequest, MAX_ENTITY_ID_LEN, MAX_OPENED_BY_LEN, OpeningsRequest, PROTOCOL_HEADER,
        PROTOCOL_VERSION, PullRequest, PushRequest, RefreshRequest, decode_request,
    };
    use serde_json::{Value, json};

    use super::*;
    use crate::server::check_protocol_header;

    fn number(value: &Value) -> Option<f64> {
        value.as_f64()
    }

    fn accepted<T: doorstep_sync::protocol::Request>(body: &Value) -> bool {
        decode_request::<T>(&serde_json::to_vec(body).unwrap()).is_ok()
    }

    /// Each bound the document states is checked against the server's own decoder: what
    /// the document excludes the server refuses, and what it allows at the edge the
    /// server takes (issue 18: the document allowed protocol 0, limit 0, blank codes).
    #[test]
    fn the_document_says_exactly_what_the_server_accepts() {
        let doc: Value = serde_json::from_str(document()).unwrap();
        let schemas = &doc["components"]["schemas"];
        let version = f64::from(PROTOCOL_VERSION);
        for name in [
            "PushRequest",
            "OpeningsRequest",
            "PullRequest",
            "EnrolRequest",
            "RefreshRequest",
        ] {
            let protocol = &schemas[name]["properties"]["protocol"];
            assert_eq!(
                number(&protocol["minimum"]),
                Some(version),
                "{name}.protocol"
            );
            assert_eq!(
                number(&protocol["maximum"]),
                Some(version),
                "{name}.protocol"
            );
        }
        let pull =
            |protocol: u32, limit: u32| json!({"protocol": protocol, "after": 0, "limit": limit});
        assert!(!accepted::<PullRequest>(&pull(0, 1)));
        assert!(!accepted::<PullRequest>(&pull(2, 1)));
        assert!(accepted::<PullRequest>(&pull(PROTOCOL_VERSION, 1)));

        assert_eq!(
            number(&schemas["PullRequest"]["properties"]["limit"]["minimum"]),
            Some(1.0)
        );
        assert!(!accepted::<PullRequest>(&pull(1, 0)));
        assert!(
            accepted::<PullRequest>(&pull(1, u32::MAX)),
            "lowered, not refused"
        );
        let query = doc["paths"]["/v1/pull"]["get"]["parameters"]
            .as_array()
            .unwrap();
        let param = |name: &str| {
            query
                .iter()
                .find(|p| p["name"] == name)
                .unwrap_or_else(|| panic!("no {name} parameter"))["schema"]
                .clone()
        };
        assert_eq!(number(&param("limit")["minimum"]), Some(1.0));
        assert_eq!(number(&param("protocol")["minimum"]), Some(version));
        assert_eq!(number(&param("protocol")["maximum"]), Some(version));

        // The header's pattern, and the server's reading of it.
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let Some(params) = operation["parameters"].as_array() else {
                    continue;
                };
                for p in params.iter().filter(|p| p["name"] == PROTOCOL_HEADER) {
                    assert_eq!(
                        p["schema"]["pattern"], "^[ \\t]*1[ \\t]*$",
                        "{method} {path}"
                    );
                }
            }
        }
        let header = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(PROTOCOL_HEADER, HeaderValue::from_str(value).unwrap());
            check_protocol_header(&headers).is_ok()
        };
        assert!(header("1") && header(" 1\t"));
        assert!(!header("0") && !header("01") && !header("1.0") && !header("2") && !header(""));

        // Enrolment: a code that is not blank, a name of 1 to 100 characters once trimmed.
        let enrol = &schemas["EnrolRequest"]["properties"];
        assert_eq!(number(&enrol["code"]["minLength"]), Some(1.0));
        assert_eq!(
            enrol["code"]["pattern"],
            "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
        );
        assert_eq!(number(&enrol["device_name"]["minLength"]), Some(1.0));
        assert_eq!(
            enrol["device_name"]["pattern"],
            "^\\s*([^\\s\\u0000]|[^\\s\\u0000][^\\u0000]{0,98}[^\\s\\u0000])\\s*$",
            "a non-blank first and last character with at most 98 between"
        );
        let body =
            |code: &str, name: &str| json!({"protocol": 1, "code": code, "device_name": name});
        assert!(!accepted::<EnrolRequest>(&body("", "Laptop")));
        assert!(!accepted::<EnrolRequest>(&body("  ", "Laptop")));
        assert!(!accepted::<EnrolRequest>(&body("K7M2Q", "")));
        assert!(!accepted::<EnrolRequest>(&body("K7M2Q", "   ")));
        assert!(!accepted::<EnrolRequest>(&body("K7M2Q", &"x".repeat(101))));
        assert!(!accepted::<EnrolRequest>(&body("K7M2Q", "Lap\u{0}top")));
        assert!(accepted::<EnrolRequest>(&body(
            " K7M2Q ",
            &format!(" {} ", "x".repeat(100))
        )));
        assert!(accepted::<EnrolRequest>(&body("K", "x")));

        assert_eq!(
            number(&schemas["RefreshRequest"]["properties"]["refresh_token"]["minLength"]),
            Some(1.0)
        );
        let refresh = |token: &str| json!({"protocol": 1, "device_id": uuid::Uuid::now_v7(), "refresh_token": token});
        assert!(!accepted::<RefreshRequest>(&refresh("")));
        assert!(accepted::<RefreshRequest>(&refresh("t")));

        // A change's record id: 1 to MAX_ENTITY_ID_LEN characters (schemathesis sent ""
        // and got 422 where the document allowed it).
        let entity_id = &schemas["Change"]["properties"]["entity_id"];
        assert_eq!(number(&entity_id["minLength"]), Some(1.0));
        assert_eq!(
            number(&entity_id["maxLength"]),
            Some(MAX_ENTITY_ID_LEN as f64)
        );
        let device = uuid::Uuid::now_v7();
        let push = |id: &str| {
            json!({"protocol": 1, "device_id": device, "changes": [{
                "change_id": uuid::Uuid::now_v7(), "entity": "household", "entity_id": id,
                "operation": "create", "fields": {"town": "Testbury"}, "base_versions": {},
                "hlc": format!("000000000000001-00000000-{device}"),
                "officer_id": uuid::Uuid::now_v7(), "device_id": device,
                "made_at": "2026-01-01T00:00:00Z"
            }]})
        };
        assert!(!accepted::<PushRequest>(&push("")));
        assert!(!accepted::<PushRequest>(&push(
            &"x".repeat(MAX_ENTITY_ID_LEN + 1)
        )));
        assert!(accepted::<PushRequest>(&push("x")));
        assert!(accepted::<PushRequest>(&push(
            &"x".repeat(MAX_ENTITY_ID_LEN)
        )));
    }

    /// An opening's bounds as the document states them, and the decoder's reading of the
    /// same edges: a household id of 1 to 128 characters, a name of 1 to 200 characters,
    /// not blank, with no control character.
    #[test]
    fn the_document_says_what_an_opening_may_be() {
        let doc: Value = serde_json::from_str(document()).unwrap();
        let opening = &doc["components"]["schemas"]["Opening"]["properties"];
        assert_eq!(number(&opening["household_id"]["minLength"]), Some(1.0));
        assert_eq!(
            number(&opening["household_id"]["maxLength"]),
            Some(MAX_ENTITY_ID_LEN as f64)
        );
        assert_eq!(number(&opening["opened_by"]["minLength"]), Some(1.0));
        assert_eq!(
            number(&opening["opened_by"]["maxLength"]),
            Some(MAX_OPENED_BY_LEN as f64)
        );
        assert_eq!(opening["id"]["format"], "uuid");
        assert_eq!(opening["opened_at"]["format"], "date-time");
        let body = |household: &str, name: &str| {
            json!({"protocol": 1, "openings": [{
                "id": uuid::Uuid::now_v7(), "household_id": household, "opened_by": name,
                "opened_at": "2026-01-01T00:00:00Z"
            }]})
        };
        let long_id = "é".repeat(MAX_ENTITY_ID_LEN);
        let long_name = "é".repeat(MAX_OPENED_BY_LEN);
        assert!(accepted::<OpeningsRequest>(&body("h", "R")));
        assert!(
            accepted::<OpeningsRequest>(&body(&long_id, &long_name)),
            "characters, not bytes"
        );
        assert!(!accepted::<OpeningsRequest>(&body("", "R")));
        assert!(!accepted::<OpeningsRequest>(&body(
            &format!("{long_id}x"),
            "R"
        )));
        assert!(!accepted::<OpeningsRequest>(&body(
            "h",
            &format!("{long_name}x")
        )));
        for name in [
            "",
            " ",
            "Ro\u{7}wan",
            "Ro\nwan",
            "Ro\u{9f}wan",
            "Ro\u{0}wan",
        ] {
            assert!(!accepted::<OpeningsRequest>(&body("h", name)), "{name:?}");
        }
        assert!(accepted::<OpeningsRequest>(&body("h", " Rowan Testwell ")));
    }

    /// Found by schemathesis: a field's value is any JSON (a number, text, a list), so the
    /// document must not promise an object where the hub answers with a field's value.
    #[test]
    fn a_hub_value_may_be_any_json() {
        let doc: Value = serde_json::from_str(document()).expect("the document is JSON");
        let value = &doc["components"]["schemas"]["HubValue"]["properties"]["value"];
        assert!(value.is_object(), "HubValue.value is described");
        assert!(value.get("type").is_none(), "no type restriction: {value}");
    }
}
