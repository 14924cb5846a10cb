//! What authorises a send: the resident's consent, recorded per purpose, or the
//! organisation's lawful basis with a real justification. Kept apart (docs/domain.md#consent-and-lawful-basis): either
//! may authorise a send, but neither is ever inferred from the other.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::OfficerId;
use crate::validation::ValidationErrors;
use crate::views::RuleViolation;

use super::super::agency::{Agency, ConsentPurpose};
use super::{Referral, ReferralError, ReferralStatus, TEXT_MAX};

/// Shortest justification for sharing without consent, so "risk" alone is never a record.
pub const JUSTIFICATION_MIN: usize = 40;

stored_enum!(
    /// Who gave consent.
    ConsentGiver {
        /// The resident themself.
        Person => "person",
        /// An attorney or court deputy acting for them.
        AttorneyOrDeputy => "attorney_or_deputy",
    }
);

stored_enum!(
    /// How consent was given.
    ConsentMethod {
        /// Said aloud, recorded by the officer.
        Verbal => "verbal",
        /// Signed on paper or screen.
        Signed => "signed",
    }
);

stored_enum!(
    /// A lawful basis for sharing without consent (UK GDPR Art. 6 and DPA 2018 Sch. 1).
    LawfulBasis {
        /// Art. 6(1)(e) public task, e.g. Fire and Rescue Services Act 2004 ss.6 and 11.
        PublicTask => "public_task",
        /// Art. 6(1)(d) vital interests: life at risk and consent cannot be got.
        VitalInterests => "vital_interests",
        /// DPA 2018 Sch. 1 para 18: safeguarding children and individuals at risk.
        SafeguardingIndividualsAtRisk => "safeguarding_individuals_at_risk",
        /// DPA 2018 Sch. 1 para 6: statutory and government purposes.
        StatutoryPurposes => "statutory_purposes",
        /// Art. 6(1)(c) a legal obligation to share.
        LegalObligation => "legal_obligation",
    }
);

/// The resident's consent, recorded per purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Consent {
    /// Who gave it.
    pub given_by: ConsentGiver,
    /// Their name as said or signed.
    pub given_by_name: String,
    /// How.
    pub method: ConsentMethod,
    /// The signature attachment, when signed.
    pub signature_ref: Option<String>,
    /// What it covers.
    pub purposes: Vec<ConsentPurpose>,
    /// Any doubt about the person's capacity to decide; set means consent cannot be relied on.
    pub capacity_concerns: Option<String>,
    /// The officer who recorded it.
    pub recorded_by: OfficerId,
    /// When.
    pub at: DateTime<Utc>,
}

/// A lawful basis for sharing without consent, with the officer's reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct BasisRecord {
    /// The basis.
    pub basis: LawfulBasis,
    /// Why sharing is necessary without consent, e.g. the fire risk seen.
    pub justification: String,
    /// The officer who recorded it.
    pub recorded_by: OfficerId,
    /// When.
    pub at: DateTime<Utc>,
}

/// Why a referral may not be sent: the screen shows this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendRefused {
    /// Neither consent nor a lawful basis is recorded.
    #[error(
        "Record the resident's consent to {needed}, or a lawful basis with a justification, before sending"
    )]
    NoConsentOrBasis {
        /// The purpose the agency needs, in words.
        needed: &'static str,
    },
    /// Consent was given, but not for this agency's purpose.
    #[error(
        "The resident agreed to {given} but not to {needed}: ask them, or record a lawful basis"
    )]
    ConsentDoesNotCover {
        /// The purposes consented to, in words.
        given: String,
        /// The purpose needed, in words.
        needed: &'static str,
    },
    /// Consent was recorded with capacity concerns, so it cannot be relied on alone.
    #[error(
        "Capacity concerns were recorded, so this consent cannot be relied on: record a lawful basis and why"
    )]
    CapacityConcerns,
    /// The justification is too short to explain the decision.
    #[error(
        "Explain why sharing without consent is necessary in at least {min} characters (you wrote {got})"
    )]
    JustificationTooShort {
        /// Minimum characters.
        min: usize,
        /// Characters written.
        got: usize,
    },
}

impl SendRefused {
    /// The rule's stable id, which screens and tests branch on; never renamed once shipped.
    pub fn rule(&self) -> &'static str {
        match self {
            Self::NoConsentOrBasis { .. } => "no_consent_or_basis",
            Self::ConsentDoesNotCover { .. } => "consent_does_not_cover",
            Self::CapacityConcerns => "capacity_concerns",
            Self::JustificationTooShort { .. } => "justification_too_short",
        }
    }

    /// The referral field to put right: the consent question, its purposes, or the basis.
    pub fn field(&self) -> &'static str {
        match self {
            Self::NoConsentOrBasis { .. } => "consent",
            Self::ConsentDoesNotCover { .. } => "consent.purposes",
            // Consent given with doubts about capacity needs a basis beside it, not a new consent.
            Self::CapacityConcerns => "lawful_basis",
            Self::JustificationTooShort { .. } => "lawful_basis.justification",
        }
    }
}

impl From<&SendRefused> for RuleViolation {
    fn from(r: &SendRefused) -> Self {
        Self {
            rule: r.rule().to_owned(),
            message: r.to_string(),
            field: Some(r.field().to_owned()),
        }
    }
}

/// Adds a problem per field of a consent that cannot be relied on as recorded.
pub(super) fn validate_consent(consent: &Consent, errors: &mut ValidationErrors) {
    if consent.given_by_name.trim().is_empty() {
        errors.add(
            "consent.given_by_name",
            "Enter the name of the person who gave consent",
        );
    }
    if consent.purposes.is_empty() {
        errors.add("consent.purposes", "Tick what the person agreed to");
    }
    let mut seen = Vec::new();
    for p in &consent.purposes {
        if seen.contains(p) {
            errors.add("consent.purposes", "A purpose is ticked twice");
        }
        seen.push(*p);
    }
    if consent.method == ConsentMethod::Signed
        && consent
            .signature_ref
            .as_deref()
            .is_none_or(|s| s.trim().is_empty())
    {
        errors.add(
            "consent.signature_ref",
            "Attach the signature, or record the consent as verbal",
        );
    }
    match consent.capacity_concerns.as_deref().map(str::trim) {
        Some("") => errors.add(
            "consent.capacity_concerns",
            "Describe the concern, or clear the box",
        ),
        Some(c) if c.chars().count() > TEXT_MAX => errors.add(
            "consent.capacity_concerns",
            format!("Use {TEXT_MAX} characters or fewer"),
        ),
        _ => {}
    }
}

/// Adds a problem when the justification is too short to explain the decision, or too long.
pub(super) fn validate_basis(basis: &BasisRecord, errors: &mut ValidationErrors) {
    let got = basis.justification.trim().chars().count();
    if got < JUSTIFICATION_MIN {
        errors.add(
            "lawful_basis.justification",
            format!("Explain why sharing without consent is necessary in at least {JUSTIFICATION_MIN} characters"),
        );
    } else if got > TEXT_MAX {
        errors.add(
            "lawful_basis.justification",
            format!("Use {TEXT_MAX} characters or fewer"),
        );
    }
}

impl Referral {
    /// Records (or replaces) the resident's consent while the referral is a draft.
    pub fn record_consent(&mut self, consent: Consent) -> Result<(), ReferralError> {
        if self.status != ReferralStatus::Draft {
            return Err(ReferralError::NotDraft);
        }
        let mut errors = ValidationErrors::default();
        validate_consent(&consent, &mut errors);
        errors.into_result(())?;
        self.consent = Some(consent);
        Ok(())
    }

    /// Records (or replaces) the lawful basis while the referral is a draft.
    pub fn record_lawful_basis(&mut self, basis: BasisRecord) -> Result<(), ReferralError> {
        if self.status != ReferralStatus::Draft {
            return Err(ReferralError::NotDraft);
        }
        let mut errors = ValidationErrors::default();
        validate_basis(&basis, &mut errors);
        errors.into_result(())?;
        self.lawful_basis = Some(basis);
        Ok(())
    }

    /// Whether this referral may be sent to this agency, and if not, why.
    pub fn send_authority(&self, agency: &Agency) -> Result<(), SendRefused> {
        let needed = agency.purpose;
        // A recorded basis stands on its own, but only with a real justification.
        if let Some(b) = &self.lawful_basis {
            let got = b.justification.trim().chars().count();
            return if got >= JUSTIFICATION_MIN {
                Ok(())
            } else {
                Err(SendRefused::JustificationTooShort {
                    min: JUSTIFICATION_MIN,
                    got,
                })
            };
        }
        let Some(c) = &self.consent else {
            return Err(SendRefused::NoConsentOrBasis {
                needed: needed.label(),
            });
        };
        if !c.purposes.contains(&needed) {
            let given = c
                .purposes
                .iter()
                .map(|p| p.label())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(SendRefused::ConsentDoesNotCover {
                given: if given.is_empty() {
                    "nothing".into()
                } else {
                    given
                },
                needed: needed.label(),
            });
        }
        if c.capacity_concerns.is_some() {
            return Err(SendRefused::CapacityConcerns);
        }
        Ok(())
    }
}
