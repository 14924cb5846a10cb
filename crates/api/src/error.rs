//! Errors as they cross to the UI: `{code, message, field, fields}` with a stable code
//! the UI branches on, and a message that says what happened and what to do.

use doorstep_core::FieldError;
use doorstep_core::security::{PlanError, SurveyError, TransitionError};
use doorstep_core::validation::Blank;
use doorstep_core::work_order::WorkOrderError;
use doorstep_replica::SyncError;
use doorstep_store::StoreError;
use serde::{Deserialize, Serialize};

/// What kind of failure, for the UI to branch on. Never renamed once shipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The passphrase did not open the store.
    WrongPassphrase,
    /// The passphrase is too weak.
    WeakPassphrase,
    /// There is no store yet.
    NotSetUp,
    /// A store already exists here.
    AlreadySetUp,
    /// The store is locked: unlock first.
    Locked,
    /// Another Doorstep has this data folder open.
    DataFolderInUse,
    /// A file in the data folder is not Doorstep's.
    NotDoorstepData,
    /// The data file is damaged.
    CorruptData,
    /// The data was written by a newer Doorstep.
    SchemaTooNew,
    /// A form had problems: see `fields`.
    Validation,
    /// The record does not exist.
    NotFound,
    /// A gazetteer file's columns are wrong.
    ImportHeader,
    /// A file could not be read or written.
    Io,
    /// A plan rule is broken (see `fields` for each rule's field).
    PlanRule,
    /// The signed-in person's role may not do this.
    NotAllowed,
    /// The step does not fit where the record is (e.g. approving a draft).
    WrongStep,
    /// A data file (template, policy, catalogue) is missing or refused.
    ReferenceData,
    /// The household is restricted at the resident's request: nothing of it may be added or
    /// changed (the message is core's sentence).
    Restricted,
    /// The council hub refused (a spent code, an unknown device, a record out of scope).
    HubRefused,
    /// The council hub could not be reached: the laptop is offline or the hub is down.
    Offline,
    /// A report's period could not be read or has not started (the message is the
    /// reports engine's sentence; `field` is `period`).
    BadPeriod,
    /// Something we did not expect; the message says what.
    Internal,
}

/// An error as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// A sentence for the officer: what happened and what to do.
    pub message: String,
    /// The form field the error belongs to, when there is one.
    pub field: Option<String>,
    /// Every field error, for forms.
    pub fields: Vec<FieldError>,
}

impl AppError {
    /// An error with no field.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
            fields: Vec::new(),
        }
    }

    /// The store is locked.
    pub fn locked() -> Self {
        Self::new(
            ErrorCode::Locked,
            "Doorstep is locked. Enter your passphrase to carry on.",
        )
    }
}

impl From<Blank> for AppError {
    fn from(blank: Blank) -> Self {
        Self::from_fields(
            ErrorCode::Validation,
            vec![FieldError {
                field: blank.field.to_owned(),
                message: blank.to_string(),
            }],
            None,
        )
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let message = e.to_string();
        let code = match &e {
            StoreError::WrongPassphrase => ErrorCode::WrongPassphrase,
            StoreError::WeakPassphrase(_) => ErrorCode::WeakPassphrase,
            StoreError::NotSetUp => ErrorCode::NotSetUp,
            StoreError::AlreadySetUp(_) => ErrorCode::AlreadySetUp,
            StoreError::FolderInUse(_) => ErrorCode::DataFolderInUse,
            StoreError::NotDoorstepData { .. } => ErrorCode::NotDoorstepData,
            StoreError::Corrupt { .. } => ErrorCode::CorruptData,
            StoreError::SchemaTooNew { .. } => ErrorCode::SchemaTooNew,
            StoreError::Invalid(errors) => {
                return Self::from_fields(ErrorCode::Validation, errors.errors().to_vec(), None);
            }
            StoreError::NotFound { .. } => ErrorCode::NotFound,
            StoreError::ImportHeader(_) => ErrorCode::ImportHeader,
            StoreError::Io { .. } => ErrorCode::Io,
            StoreError::ConflictAlreadyDecided { .. } => ErrorCode::WrongStep,
            StoreError::Restricted(_) => ErrorCode::Restricted,
            // Only sync meets these, and it reports them in its status; here they are
            // the hub's data this version cannot store.
            StoreError::UnknownEntity(_)
            | StoreError::IncompleteRecord { .. }
            | StoreError::UnusableRecord { .. }
            | StoreError::MissingReference { .. }
            | StoreError::OutboxNotEmpty { .. }
            | StoreError::AttachmentDigestMismatch { .. } => ErrorCode::Internal,
            StoreError::Database(_) | StoreError::Json(_) => {
                tracing::error!(error = %e, "unexpected store failure");
                ErrorCode::Internal
            }
        };
        Self::new(code, message)
    }
}

impl AppError {
    /// A validation error from field errors, with the summary sentence forms use.
    pub(crate) fn from_fields(
        code: ErrorCode,
        fields: Vec<FieldError>,
        message: Option<String>,
    ) -> Self {
        let message = message.unwrap_or_else(|| match fields.as_slice() {
            [only] => only.message.clone(),
            _ => "Some answers need attention: see the messages beside them.".to_owned(),
        });
        Self {
            code,
            message,
            field: fields.first().map(|f| f.field.clone()),
            fields,
        }
    }
}

impl From<SyncError> for AppError {
    fn from(e: SyncError) -> Self {
        let message = e.to_string();
        match e {
            SyncError::BadInput { field, .. } => Self::from_fields(
                ErrorCode::Validation,
                vec![FieldError {
                    field: field.to_owned(),
                    message,
                }],
                None,
            ),
            SyncError::Form(errors) => {
                Self::from_fields(ErrorCode::Validation, errors.errors().to_vec(), None)
            }
            SyncError::Locked => Self::locked(),
            SyncError::NotAllowed(_) => Self::new(ErrorCode::NotAllowed, message),
            SyncError::Store(store) => store.into(),
            ref other if other.is_offline() => Self::new(ErrorCode::Offline, message),
            SyncError::NotEnrolled | SyncError::OtherHub { .. } | SyncError::Hub(_) => {
                Self::new(ErrorCode::HubRefused, message)
            }
            SyncError::Unreadable(_) => Self::new(ErrorCode::Internal, message),
        }
    }
}

impl From<SurveyError> for AppError {
    fn from(e: SurveyError) -> Self {
        Self::new(ErrorCode::ReferenceData, e.to_string())
    }
}

impl From<PlanError> for AppError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::Survey(s) => s.into(),
            PlanError::Rule(rule) => Self::from_fields(
                ErrorCode::PlanRule,
                vec![FieldError {
                    field: rule.field().to_owned(),
                    message: rule.to_string(),
                }],
                None,
            ),
            PlanError::NotEditable(_) => Self::new(ErrorCode::WrongStep, e.to_string()),
            PlanError::UnknownItem => Self::new(ErrorCode::NotFound, e.to_string()),
            PlanError::Blank(blank) => blank.into(),
            PlanError::Invalid(errors) => {
                Self::from_fields(ErrorCode::Validation, errors.errors().to_vec(), None)
            }
        }
    }
}

impl From<TransitionError> for AppError {
    fn from(e: TransitionError) -> Self {
        let message = e.to_string();
        match e {
            TransitionError::NotFromStatus { .. } => Self::new(ErrorCode::WrongStep, message),
            TransitionError::RoleNotAllowed { .. } | TransitionError::OwnPlan => {
                Self::new(ErrorCode::NotAllowed, message)
            }
            TransitionError::Blank(blank) => blank.into(),
            TransitionError::WrongDisclaimer { .. } => Self::new(ErrorCode::Validation, message),
            TransitionError::RulesBroken(rules) => Self::from_fields(
                ErrorCode::PlanRule,
                rules
                    .iter()
                    .map(|r| FieldError {
                        field: r.field().to_owned(),
                        message: r.to_string(),
                    })
                    .collect(),
                Some(message),
            ),
            TransitionError::Invalid(errors) => {
                Self::from_fields(ErrorCode::Validation, errors.errors().to_vec(), None)
            }
            TransitionError::Survey(s) => s.into(),
        }
    }
}

impl From<WorkOrderError> for AppError {
    fn from(e: WorkOrderError) -> Self {
        let message = e.to_string();
        let with_field = |field: &str| {
            Self::from_fields(
                ErrorCode::Validation,
                vec![FieldError {
                    field: field.to_owned(),
                    message: message.clone(),
                }],
                None,
            )
        };
        match e {
            // The supervisor's choice of firms (or the lack of one) is what to change.
            WorkOrderError::NoFirmForMeasure { .. }
            | WorkOrderError::UnknownFirm { .. }
            | WorkOrderError::FirmNotEligible { .. }
            | WorkOrderError::ChoiceForMissingMeasure { .. } => with_field("firm_choices"),
            WorkOrderError::NeedsSafeContact => with_field("contact_name"),
            WorkOrderError::Invalid { field, .. } => with_field(field),
            WorkOrderError::Blank(_)
            | WorkOrderError::DateInPast { .. }
            | WorkOrderError::BadPhoto => Self::new(ErrorCode::Validation, message),
            // The catalogue changed under the plan: the data files need fixing, not the form.
            WorkOrderError::MeasureNotInCatalogue { .. } => {
                Self::new(ErrorCode::ReferenceData, message)
            }
            WorkOrderError::PlanNotApproved { .. }
            | WorkOrderError::NotFromStatus { .. }
            | WorkOrderError::ItemAlreadyFitted { .. }
            | WorkOrderError::PartlyFitted => Self::new(ErrorCode::WrongStep, message),
            WorkOrderError::NoSuchItem { .. } => Self::new(ErrorCode::NotFound, message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doorstep_core::ValidationErrors;

    #[test]
    fn codes_serialise_as_stable_snake_case() {
        let json = serde_json::to_value(AppError::locked()).expect("serialises");
        assert_eq!(json["code"], "locked");
        assert_eq!(json["field"], serde_json::Value::Null);
        let json = serde_json::to_value(ErrorCode::DataFolderInUse).expect("serialises");
        assert_eq!(json, "data_folder_in_use");
    }

    #[test]
    fn a_write_to_a_restricted_household_crosses_as_its_code_with_cores_sentence() {
        let e = AppError::from(StoreError::Restricted(
            doorstep_core::privacy::restriction::Restricted {
                household_id: "h1".into(),
            },
        ));
        let json = serde_json::to_value(&e).expect("serialises");
        assert_eq!(json["code"], "restricted", "the UI branches on the code");
        assert_eq!(
            json["message"],
            doorstep_core::privacy::restriction::RESTRICTED_SENTENCE,
            "the UI shows the sentence Rust sends"
        );
        assert!(
            !e.message.contains("h1"),
            "the officer is not shown an internal id"
        );
    }

    #[test]
    fn validation_errors_carry_every_field() {
        let mut errors = ValidationErrors::default();
        errors.add("postcode", "Enter a full UK postcode, like NG18 2AB");
        errors.add("town", "Enter the town");
        let e = AppError::from(StoreError::Invalid(errors));
        assert_eq!(e.code, ErrorCode::Validation);
        assert_eq!(e.field.as_deref(), Some("postcode"));
        assert_eq!(e.fields.len(), 2);
    }

    #[test]
    fn a_measure_with_no_firm_is_a_validation_error_on_the_firm_choices_saying_what_to_do() {
        let e = AppError::from(WorkOrderError::NoFirmForMeasure {
            measure: "Full-height lockable side gate".into(),
            trade: "fencer",
        });
        assert_eq!(e.code, ErrorCode::Validation, "the supervisor can fix it");
        assert_eq!(e.field.as_deref(), Some("firm_choices"));
        assert!(
            e.message.contains("Full-height lockable side gate")
                && e.message.contains("choose a firm"),
            "names the measure and what to do: {}",
            e.message
        );
        let e = AppError::from(WorkOrderError::NeedsSafeContact);
        assert_eq!(e.field.as_deref(), Some("contact_name"), "{e:?}");
        let e = AppError::from(WorkOrderError::PlanNotApproved { status: "draft" });
        assert_eq!(e.code, ErrorCode::WrongStep, "{e:?}");
    }
}
