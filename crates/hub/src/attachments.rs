//! Photos and signatures by SHA-256: `PUT /v1/attachments/{sha256}` stores the bytes once
//! (the hub checks the digest, the size and that they are an image by content), and
//! `GET` hands them only to devices of a team that uploaded them (404 to anyone else, the
//! same answer as for an attachment the hub does not have, so no one learns it exists).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use doorstep_sync::protocol::{
    AttachmentReceipt, ErrorBody, ErrorCode, MAX_ATTACHMENT_BYTES, is_sha256_hex,
};
use sha2::{Digest, Sha256};

use crate::model::{AuditEntry, Principal, Refusal, syncs_records};
#[allow(
    unused_imports,
    reason = "named only in the handlers' #[utoipa::path] annotations"
)]
use crate::openapi::{
    AttachmentName, AttachmentRefusals, NotFound, ProtocolHeader, Revoked, UploadRefusals,
};
use crate::server::{ApiError, AppState, authenticate, check_protocol_header};

/// The routes, with their own body limit (an attachment is larger than a JSON request).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/attachments/{sha256}",
            axum::routing::put(upload).get(download),
        )
        .layer(axum::extract::DefaultBodyLimit::max(MAX_ATTACHMENT_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            MAX_ATTACHMENT_BYTES,
            crate::intake::refuse_declared_over,
        ))
}

/// The audit line for a stored (or already stored) upload.
pub fn upload_audit(who: &Principal, receipt: &AttachmentReceipt, now: i64) -> AuditEntry {
    AuditEntry {
        entity: Some("attachment".into()),
        entity_id: Some(receipt.sha256.clone()),
        ..AuditEntry::request(
            now,
            Some(who),
            "upload",
            if receipt.already_stored {
                "already_stored"
            } else {
                "stored"
            },
        )
    }
}

/// The audit line for a download.
pub fn download_audit(who: &Principal, sha256: &str, now: i64) -> AuditEntry {
    AuditEntry {
        entity: Some("attachment".into()),
        entity_id: Some(sha256.to_owned()),
        ..AuditEntry::request(now, Some(who), "download", "ok")
    }
}

/// Refuses a name that is not a SHA-256 in lowercase hex.
pub fn check_digest_text(sha256: &str) -> Result<(), ErrorBody> {
    if is_sha256_hex(sha256) {
        Ok(())
    } else {
        Err(ErrorBody::new(
            ErrorCode::Malformed,
            "An attachment is named by the SHA-256 of its bytes: 64 lowercase hex digits",
        ))
    }
}

/// Checks uploaded bytes against their name: the digest must match and the bytes must be
/// an image (JPEG, PNG, WebP or GIF, recognised by content). Returns the media type.
pub fn check_upload(sha256: &str, bytes: &[u8]) -> Result<String, ErrorBody> {
    let actual = crate::secret::hex(&Sha256::digest(bytes));
    if actual != sha256 {
        return Err(ErrorBody::new(
            ErrorCode::Invalid,
            format!("The bytes' SHA-256 is {actual}, not {sha256}: the upload was damaged"),
        ));
    }
    let max = u64::try_from(MAX_ATTACHMENT_BYTES).unwrap_or(u64::MAX);
    match doorstep_core::attachment::check_image(bytes, max, "attachment") {
        Ok(image) => Ok(image.media_type),
        Err(errors) => {
            let message = errors
                .errors()
                .first()
                .map_or("The file is not an image", |e| e.message.as_str())
                .to_owned();
            Err(ErrorBody::new(ErrorCode::Invalid, message))
        }
    }
}

/// Who may use attachments at all: the roles that sync records.
fn check_role(who: &Principal) -> Result<(), ApiError> {
    if syncs_records(who.role) {
        Ok(())
    } else {
        Err(Refusal::RoleForbidden(who.role).into())
    }
}

/// Store a photo or signature under the SHA-256 of its bytes (idempotent).
///
/// The hub checks the name (64 lowercase hex digits), the digest of the bytes, the size (at
/// most 16 MiB) and that the bytes are an image by content (JPEG, PNG, WebP or GIF). Stored
/// once whoever uploads it; the uploader's team may then download it. A repeat upload
/// answers already_stored.
#[utoipa::path(
    put,
    path = "/v1/attachments/{sha256}",
    operation_id = "putAttachment",
    security(("bearer" = [])),
    params(AttachmentName, ProtocolHeader),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "Stored now", body = AttachmentReceipt),
        (status = 200, description = "Stored before (already_stored: true); the uploader's team may now download it", body = AttachmentReceipt),
        AttachmentRefusals,
        UploadRefusals,
        Revoked,
    )
)]
pub(crate) async fn upload(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let mut who = None;
    let result = upload_inner(&state, &sha256, &headers, body, &mut who).await;
    state.finish("upload", who.as_ref(), result).await
}

async fn upload_inner(
    state: &AppState,
    sha256: &str,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    who: &mut Option<Principal>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let principal = who.insert(authenticate(state, headers, now).await?);
    state.limit(&principal.device_id.to_string(), now)?;
    check_protocol_header(headers)?;
    check_role(principal)?;
    check_digest_text(sha256)?;
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ErrorBody::new(
                ErrorCode::TooLarge,
                format!("An attachment may be at most {MAX_ATTACHMENT_BYTES} bytes"),
            )
        } else {
            ErrorBody::new(
                ErrorCode::Malformed,
                format!(
                    "The hub could not read the upload: {}",
                    rejection.body_text()
                ),
            )
        }
    })?;
    let media_type = check_upload(sha256, &bytes)?;
    let receipt = state
        .store()
        .put_attachment(principal, sha256, bytes.to_vec(), &media_type, now)
        .await?;
    let status = if receipt.already_stored {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(receipt)).into_response())
}

/// The bytes of an attachment the user's team uploaded.
#[utoipa::path(
    get,
    path = "/v1/attachments/{sha256}",
    operation_id = "getAttachment",
    security(("bearer" = [])),
    params(AttachmentName, ProtocolHeader),
    responses(
        (status = 200, description = "The bytes, with their media type", content_type = "image/*", body = Vec<u8>),
        AttachmentRefusals,
        NotFound,
        Revoked,
    )
)]
pub(crate) async fn download(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut who = None;
    let result = download_inner(&state, &sha256, &headers, &mut who).await;
    state.finish("download", who.as_ref(), result).await
}

async fn download_inner(
    state: &AppState,
    sha256: &str,
    headers: &HeaderMap,
    who: &mut Option<Principal>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let principal = who.insert(authenticate(state, headers, now).await?);
    state.limit(&principal.device_id.to_string(), now)?;
    check_protocol_header(headers)?;
    check_role(principal)?;
    check_digest_text(sha256)?;
    let Some(found) = state.store().get_attachment(principal, sha256, now).await? else {
        return Err(ErrorBody::new(
            ErrorCode::NotFound,
            format!("The hub holds no attachment {sha256} for your team"),
        )
        .into());
    };
    let media_type = HeaderValue::from_str(&found.media_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    Ok(([(header::CONTENT_TYPE, media_type)], found.bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A whole 1 × 1 PNG: images are checked from signature to IEND.
    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
        0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 13, b'I', b'D', b'A',
        b'T', 0x78, 0xDA, 0x63, 0x64, 0x60, 0xF8, 0x5F, 0x0F, 0, 0x02, 0x87, 0x01, 0x80, 0xEB,
        0x47, 0xBA, 0x92, 0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82,
    ];

    fn sha(bytes: &[u8]) -> String {
        crate::secret::hex(&Sha256::digest(bytes))
    }

    #[test]
    fn uploads_are_checked_by_digest_then_content() {
        assert_eq!(check_upload(&sha(PNG), PNG).unwrap(), "image/png");
        let wrong = check_upload(&sha(b"other"), PNG).unwrap_err();
        assert_eq!(wrong.code, ErrorCode::Invalid);
        assert!(wrong.message.contains("damaged"));
        let pdf = b"%PDF-1.7\n";
        let not_image = check_upload(&sha(pdf), pdf).unwrap_err();
        assert_eq!(not_image.code, ErrorCode::Invalid);
        assert!(
            not_image.message.contains("not a photo"),
            "{}",
            not_image.message
        );
        let empty = check_upload(&sha(b""), b"").unwrap_err();
        assert_eq!(empty.code, ErrorCode::Invalid);
    }

    #[test]
    fn names_must_be_lowercase_hex_sha256() {
        assert!(check_digest_text(&sha(PNG)).is_ok());
        for bad in [
            "abc",
            &sha(PNG).to_uppercase(),
            &format!("{}0", sha(PNG)),
            "../etc/passwd",
        ] {
            assert_eq!(
                check_digest_text(bad).unwrap_err().code,
                ErrorCode::Malformed,
                "{bad}"
            );
        }
    }
}
