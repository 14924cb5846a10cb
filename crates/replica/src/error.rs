//! Why a sync or an enrolment did not happen, in words for the person at the screen.

use doorstep_store::StoreError;
use doorstep_sync::{Action, ClientError};

/// Why a sync or an enrolment failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No hub yet.
    #[error(
        "This laptop is not connected to a council hub yet: enrol it in Settings, Council hub."
    )]
    NotEnrolled,
    /// The store is locked, so nothing can be read or written.
    #[error("Doorstep is locked: sync carries on once someone unlocks it.")]
    Locked,
    /// The enrolment form has mistakes, listed by field; nothing was sent.
    #[error("{}", .0.errors().first().map(|e| e.message.as_str()).unwrap_or("Check the form"))]
    Form(doorstep_core::ValidationErrors),
    /// The enrolment form was not filled in properly; nothing was sent.
    #[error("{message}")]
    BadInput {
        /// The form field (`hub_url` or `code`).
        field: &'static str,
        /// What to fix.
        message: String,
    },
    /// Enrolled with another hub already: one laptop, one council.
    #[error(
        "This laptop is already connected to {current}. Ask an administrator to remove it from that hub first."
    )]
    OtherHub {
        /// The hub it is enrolled with.
        current: String,
    },
    /// The hub refused or could not be reached.
    #[error("{0}")]
    Hub(#[from] ClientError),
    /// The hub sent a record this version of the app cannot read.
    #[error(
        "The hub sent a record this version of Doorstep cannot read ({0}). Install the latest version, then sync again."
    )]
    Unreadable(String),
    /// The signed-in person may not do this.
    #[error("{0}")]
    NotAllowed(String),
    /// The local store failed.
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl SyncError {
    /// What the app should do about it.
    pub fn action(&self) -> Action {
        match self {
            Self::Hub(e) => e.action(),
            Self::NotEnrolled => Action::Enrol,
            Self::Locked => Action::TryLater,
            Self::Unreadable(_) => Action::UpdateApp,
            Self::BadInput { .. }
            | Self::Form(_)
            | Self::OtherHub { .. }
            | Self::NotAllowed(_)
            | Self::Store(_) => Action::Report,
        }
    }

    /// Whether the laptop was revoked and must erase its data.
    pub fn must_wipe(&self) -> bool {
        self.action() == Action::WipeLocalData
    }

    /// Whether the hub simply could not be reached (the laptop is offline).
    pub fn is_offline(&self) -> bool {
        matches!(
            self,
            Self::Hub(
                ClientError::Unreachable { .. }
                    | ClientError::Server { .. }
                    | ClientError::RateLimited { .. }
            )
        )
    }
}
