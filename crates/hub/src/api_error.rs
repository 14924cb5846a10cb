//! Why a request failed, as the sync API answers it: a refusal (a 4xx with the protocol's
//! `{code, message}` body, and a `Retry-After` for 429) or the hub's database (503), and
//! how each of the store's refusals maps to the protocol's codes.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use doorstep_sync::protocol::{ErrorBody, ErrorCode};

use crate::model::{Refusal, StoreError};

/// Why a request failed: a refusal (4xx, the caller's doing) or the hub's database (503).
#[derive(Debug)]
pub enum ApiError {
    /// Refused; nothing was stored.
    Refused {
        /// The JSON body; its code fixes the status.
        body: ErrorBody,
        /// Seconds to wait, for 429.
        retry_after: Option<u64>,
        /// The device the request came from, when its token named one but proved nothing
        /// (a revoked laptop): for the audit log.
        device_id: Option<String>,
    },
    /// The hub could not do its part (database down): try again later.
    Unavailable(String),
}

impl ApiError {
    /// A refusal that says how many seconds to wait (429).
    pub(crate) fn refused_after(body: ErrorBody, wait: u64) -> Self {
        Self::Refused {
            body,
            retry_after: Some(wait),
            device_id: None,
        }
    }

    /// The hub could not do its part: 503, and the reason for the log.
    pub(crate) fn unavailable(error: impl std::fmt::Display) -> Self {
        Self::Unavailable(error.to_string())
    }

    /// The code written to the audit log.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Refused { body, .. } => body.code.as_str(),
            Self::Unavailable(_) => "unavailable",
        }
    }
}

impl From<ErrorBody> for ApiError {
    fn from(body: ErrorBody) -> Self {
        Self::Refused {
            body,
            retry_after: None,
            device_id: None,
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        let message = match &refusal {
            Refusal::DeviceRevoked { .. } => {
                "This laptop was removed from the hub: wipe its local data, then enrol again"
                    .to_owned()
            }
            Refusal::TokenExpired => "The access token has expired: refresh it".to_owned(),
            other => doorstep_core::words::capitalised(&other.to_string()),
        };
        let code = match refusal {
            // As the protocol defines `unauthorised`: a used code and a token for another
            // device than the one named are sign-in failures too.
            Refusal::UnknownCode
            | Refusal::CodeUsed
            | Refusal::CodeExpired
            | Refusal::UnknownToken
            | Refusal::TokenReplayed
            | Refusal::TokenWithdrawn
            | Refusal::ForgedDevice => ErrorCode::Unauthorised,
            Refusal::TokenExpired => ErrorCode::TokenExpired,
            Refusal::DeviceRevoked { .. } => ErrorCode::DeviceRevoked,
            Refusal::RoleForbidden(_)
            | Refusal::EntityForbidden { .. }
            | Refusal::NotADecision(_)
            | Refusal::OutOfScope { .. }
            // Out of what anyone may change: the laptop takes the restriction in and sets
            // its edits aside, as for a record moved to another team, then sends the rest.
            | Refusal::Restricted(_) => ErrorCode::OutOfScope,
            Refusal::Invalid(_) => ErrorCode::Invalid,
            Refusal::ChangeIdTaken(_) | Refusal::Duplicate(_) | Refusal::Ambiguous(_) => {
                ErrorCode::Conflict
            }
            Refusal::NotFound(_) => ErrorCode::NotFound,
        };
        let device_id = match refusal {
            Refusal::DeviceRevoked { device_id } => Some(device_id),
            _ => None,
        };
        Self::Refused {
            body: ErrorBody::new(code, message),
            retry_after: None,
            device_id,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Refused(refusal) => refusal.into(),
            StoreError::Backend(message) => {
                tracing::error!(%message, "database error");
                Self::Unavailable(message)
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Refused {
                body, retry_after, ..
            } => {
                let status = StatusCode::from_u16(body.status()).unwrap_or(StatusCode::BAD_REQUEST);
                let mut response = (status, Json(body)).into_response();
                if let Some(wait) = retry_after {
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(wait));
                }
                response
            }
            Self::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({
                    "code": "unavailable",
                    "message": "The hub cannot reach its database just now: sync will try again",
                })),
            )
                .into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_map_to_the_protocols_codes() {
        let revoked = ApiError::from(Refusal::DeviceRevoked {
            device_id: "d".into(),
        });
        let ApiError::Refused {
            body, device_id, ..
        } = revoked
        else {
            panic!("a refusal is a 4xx");
        };
        assert_eq!(body.status(), 410);
        assert!(body.message.contains("wipe"));
        assert_eq!(device_id.as_deref(), Some("d"));
        assert_eq!(ApiError::from(Refusal::ForgedDevice).code(), "unauthorised");
        assert_eq!(ApiError::from(Refusal::CodeUsed).code(), "unauthorised");
        assert_eq!(
            ApiError::from(Refusal::ChangeIdTaken("c".into())).code(),
            "conflict"
        );
        assert_eq!(
            ApiError::from(Refusal::TokenExpired).code(),
            "token_expired"
        );
        assert_eq!(
            ApiError::from(StoreError::Backend("down".into())).code(),
            "unavailable"
        );
    }
}
