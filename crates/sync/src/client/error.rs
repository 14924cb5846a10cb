//! What a failed call means: the error for the person at the screen, and the action the app
//! must take about it (wipe, refresh, enrol, update, try later, or report).

use std::time::Duration;

use reqwest::StatusCode;

use crate::protocol::{ErrorBody, ErrorCode};

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
    /// The batch is over [`crate::MAX_BATCH`] changes or [`crate::MAX_BODY_BYTES`]; nothing was sent.
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
