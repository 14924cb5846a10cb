//! Partner referrals: who, to which agency, why, how urgently, and on what authority, with a
//! lifecycle that records who did what and when.
//!
//! Consent and lawful basis are kept apart (domain §6.2): consent is the resident's agreement,
//! recorded per purpose; a lawful basis is the organisation's legal footing to share without
//! it. Either may authorise a send, but neither is ever inferred from the other.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::identity::Role;
use crate::ids::{HouseholdId, OfficerId, PersonId};
use crate::validation::ValidationErrors;

use super::agency::{Agency, AgencyDirectory, AgencyKind, ConsentPurpose, Urgency};
use super::charlie::CharlieAssessment;
use super::ids::{CharlieCheckId, ReferralId};

/// Shortest justification for sharing without consent, so "risk" alone is never a record.
pub const JUSTIFICATION_MIN: usize = 40;
/// Longest free text on a referral.
const TEXT_MAX: usize = 2_000;
/// Roles that may make and progress referrals; contractors, analysts and admins never see them.
pub const REFERRAL_ROLES: &[Role] = &[
    Role::Officer,
    Role::FireCrew,
    Role::Warden,
    Role::Supervisor,
];

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

stored_enum!(
    /// Where a referral is.
    ReferralStatus {
        /// Being written; the only editable state.
        Draft => "draft",
        /// Sent to the agency.
        Sent => "sent",
        /// The agency has acknowledged it.
        Acknowledged => "acknowledged",
        /// The agency has booked a visit.
        VisitBooked => "visit_booked",
        /// Done; final.
        Completed => "completed",
        /// Declined by the agency or the resident; final.
        Declined => "declined",
        /// The agency could not make contact; final.
        NoContact => "no_contact",
    }
);

stored_enum!(
    /// The kinds of step, for the transition matrix and the UI's buttons.
    ReferralStepKind {
        /// Send to the agency.
        Send => "send",
        /// Record the agency's acknowledgement.
        Acknowledge => "acknowledge",
        /// Record a booked visit.
        BookVisit => "book_visit",
        /// Record completion.
        Complete => "complete",
        /// Record a decline.
        Decline => "decline",
        /// Record that nobody could make contact.
        NoContact => "no_contact",
    }
);

impl ReferralStepKind {
    /// The statuses this step may be taken from.
    pub fn allowed_from(self, status: ReferralStatus) -> bool {
        use ReferralStatus as S;
        match self {
            Self::Send => status == S::Draft,
            Self::Acknowledge => status == S::Sent,
            // An agency may book straight away; booking implies acknowledgement.
            Self::BookVisit => matches!(status, S::Sent | S::Acknowledged),
            // Some agencies help by phone without a visit.
            Self::Complete => matches!(status, S::Acknowledged | S::VisitBooked),
            Self::Decline | Self::NoContact => {
                matches!(status, S::Sent | S::Acknowledged | S::VisitBooked)
            }
        }
    }

    /// The status after the step.
    pub fn target(self) -> ReferralStatus {
        match self {
            Self::Send => ReferralStatus::Sent,
            Self::Acknowledge => ReferralStatus::Acknowledged,
            Self::BookVisit => ReferralStatus::VisitBooked,
            Self::Complete => ReferralStatus::Completed,
            Self::Decline => ReferralStatus::Declined,
            Self::NoContact => ReferralStatus::NoContact,
        }
    }
}

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

/// A step with what it records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ReferralStep {
    /// Send to the agency.
    Send,
    /// The agency acknowledged it.
    Acknowledge {
        /// The agency's reference, if given.
        agency_reference: Option<String>,
    },
    /// The agency booked a visit.
    BookVisit {
        /// When the visit is.
        visit_at: DateTime<Utc>,
    },
    /// Done.
    Complete {
        /// What happened.
        outcome: String,
    },
    /// Declined by the agency or the resident.
    Decline {
        /// Why.
        reason: String,
    },
    /// Nobody could make contact.
    NoContact {
        /// The attempts made.
        attempts: String,
    },
}

impl ReferralStep {
    /// Its kind.
    pub fn kind(&self) -> ReferralStepKind {
        match self {
            Self::Send => ReferralStepKind::Send,
            Self::Acknowledge { .. } => ReferralStepKind::Acknowledge,
            Self::BookVisit { .. } => ReferralStepKind::BookVisit,
            Self::Complete { .. } => ReferralStepKind::Complete,
            Self::Decline { .. } => ReferralStepKind::Decline,
            Self::NoContact { .. } => ReferralStepKind::NoContact,
        }
    }
}

/// One step in a referral's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ReferralEvent {
    /// Status before.
    pub from: ReferralStatus,
    /// Status after.
    pub to: ReferralStatus,
    /// The step and what it recorded.
    pub step: ReferralStep,
    /// Who.
    pub by: OfficerId,
    /// In which role.
    pub role: Role,
    /// When (given by the caller; core never reads the clock).
    pub at: DateTime<Utc>,
}

/// What the officer fills in to start a referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ReferralDraft {
    /// The resident referred.
    pub person_id: PersonId,
    /// Their household.
    pub household_id: HouseholdId,
    /// The agency id from the directory.
    pub agency_id: String,
    /// Why, in plain words (pre-filled from suggestions, editable).
    pub reasons: Vec<String>,
    /// How soon.
    pub urgency: Urgency,
    /// The CHARLIE check behind it, if any.
    pub charlie_check_id: Option<CharlieCheckId>,
    /// The resident's consent, if given.
    pub consent: Option<Consent>,
    /// The lawful basis, if sharing without (adequate) consent.
    pub lawful_basis: Option<BasisRecord>,
}

/// A referral to a partner agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Referral {
    /// Id.
    pub id: ReferralId,
    /// The resident referred.
    pub person_id: PersonId,
    /// Their household.
    pub household_id: HouseholdId,
    /// The agency id.
    pub agency_id: String,
    /// Why.
    pub reasons: Vec<String>,
    /// How soon.
    pub urgency: Urgency,
    /// The CHARLIE check behind it, if any.
    pub charlie_check_id: Option<CharlieCheckId>,
    /// The resident's consent, if given.
    pub consent: Option<Consent>,
    /// The lawful basis, if any; kept apart from consent.
    pub lawful_basis: Option<BasisRecord>,
    /// Where it is.
    pub status: ReferralStatus,
    /// Who drafted it.
    pub created_by: OfficerId,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it was sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// When the agency should have acknowledged it, fixed at sending so later directory edits
    /// do not rewrite what was expected.
    pub due_at: Option<DateTime<Utc>>,
    /// Every step so far.
    pub history: Vec<ReferralEvent>,
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

/// Why a referral step was refused; the referral is left unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferralError {
    /// Not allowed from this status.
    #[error("A referral that is {status} cannot be given the step \"{step}\"")]
    NotFromStatus {
        /// Step.
        step: &'static str,
        /// Current status.
        status: &'static str,
    },
    /// The role may not handle referrals.
    #[error("Signed in as {0}, you cannot work on referrals")]
    RoleNotAllowed(&'static str),
    /// The agency is not in the directory.
    #[error("The agency \"{0}\" is not in the directory; choose another")]
    UnknownAgency(String),
    /// Sending is not authorised.
    #[error(transparent)]
    NotAuthorised(#[from] SendRefused),
    /// A required field was blank.
    #[error("Enter {0}")]
    Blank(&'static str),
    /// A free-text field is too long.
    #[error("Shorten {0} to {TEXT_MAX} characters or fewer")]
    TooLong(&'static str),
    /// Only a draft can be edited.
    #[error("This referral has been sent, so its consent and basis can no longer be changed")]
    NotDraft,
    /// The draft has field errors.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
}

fn check_role(role: Role) -> Result<(), ReferralError> {
    if REFERRAL_ROLES.contains(&role) {
        Ok(())
    } else {
        Err(ReferralError::RoleNotAllowed(role.as_str()))
    }
}

fn text(value: &str, what: &'static str) -> Result<String, ReferralError> {
    let value = value.trim();
    if value.is_empty() {
        Err(ReferralError::Blank(what))
    } else {
        // Refuse rather than cut: silently losing words typed at a door is never acceptable.
        if value.chars().count() > TEXT_MAX {
            Err(ReferralError::TooLong(what))
        } else {
            Ok(value.to_owned())
        }
    }
}

fn validate_consent(consent: &Consent, errors: &mut ValidationErrors) {
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
    if consent
        .capacity_concerns
        .as_deref()
        .is_some_and(|c| c.trim().is_empty())
    {
        errors.add(
            "consent.capacity_concerns",
            "Describe the concern, or clear the box",
        );
    }
}

fn validate_basis(basis: &BasisRecord, errors: &mut ValidationErrors) {
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
    /// Starts a draft; every problem is reported against its field.
    pub fn draft(
        directory: &AgencyDirectory,
        draft: ReferralDraft,
        by: OfficerId,
        role: Role,
        at: DateTime<Utc>,
    ) -> Result<Self, ReferralError> {
        check_role(role)?;
        let mut errors = ValidationErrors::default();
        if directory.agency(&draft.agency_id).is_none() {
            errors.add("agency_id", "Choose an agency from the directory");
        }
        let reasons: Vec<String> = draft
            .reasons
            .iter()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect();
        if reasons.is_empty() {
            errors.add("reasons", "Give at least one reason for the referral");
        }
        if reasons.iter().any(|r| r.chars().count() > TEXT_MAX) {
            errors.add(
                "reasons",
                format!("Use {TEXT_MAX} characters or fewer for each reason"),
            );
        }
        if let Some(c) = &draft.consent {
            validate_consent(c, &mut errors);
        }
        if let Some(b) = &draft.lawful_basis {
            validate_basis(b, &mut errors);
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        Ok(Self {
            id: ReferralId::new(),
            person_id: draft.person_id,
            household_id: draft.household_id,
            agency_id: draft.agency_id,
            reasons,
            urgency: draft.urgency,
            charlie_check_id: draft.charlie_check_id,
            consent: draft.consent,
            lawful_basis: draft.lawful_basis,
            status: ReferralStatus::Draft,
            created_by: by,
            created_at: at,
            sent_at: None,
            due_at: None,
            history: Vec::new(),
        })
    }

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

    /// The steps this role could take now (the buttons to show).
    pub fn available_steps(&self, role: Role) -> Vec<ReferralStepKind> {
        if !REFERRAL_ROLES.contains(&role) {
            return Vec::new();
        }
        ReferralStepKind::ALL
            .iter()
            .copied()
            .filter(|k| k.allowed_from(self.status))
            .collect()
    }

    /// Takes a lifecycle step, or refuses it with a message and leaves the referral unchanged.
    pub fn apply(
        &mut self,
        directory: &AgencyDirectory,
        step: ReferralStep,
        by: OfficerId,
        role: Role,
        at: DateTime<Utc>,
    ) -> Result<(), ReferralError> {
        let kind = step.kind();
        if !kind.allowed_from(self.status) {
            return Err(ReferralError::NotFromStatus {
                step: kind.as_str(),
                status: self.status.as_str(),
            });
        }
        check_role(role)?;
        let step = match step {
            ReferralStep::Send => {
                let agency = directory
                    .agency(&self.agency_id)
                    .ok_or_else(|| ReferralError::UnknownAgency(self.agency_id.clone()))?;
                self.send_authority(agency)?;
                self.sent_at = Some(at);
                self.due_at = Some(directory.due_at(agency, self.urgency, at));
                ReferralStep::Send
            }
            ReferralStep::Acknowledge { agency_reference } => ReferralStep::Acknowledge {
                agency_reference: agency_reference
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty()),
            },
            ReferralStep::BookVisit { visit_at } => ReferralStep::BookVisit { visit_at },
            ReferralStep::Complete { outcome } => ReferralStep::Complete {
                outcome: text(&outcome, "what happened")?,
            },
            ReferralStep::Decline { reason } => ReferralStep::Decline {
                reason: text(&reason, "why it was declined")?,
            },
            ReferralStep::NoContact { attempts } => ReferralStep::NoContact {
                attempts: text(&attempts, "the attempts made to make contact")?,
            },
        };
        let to = kind.target();
        self.history.push(ReferralEvent {
            from: self.status,
            to,
            step,
            by,
            role,
            at,
        });
        self.status = to;
        Ok(())
    }
}

/// A sent referral the agency has not acknowledged in time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct OverdueReferral {
    /// The referral.
    pub referral_id: ReferralId,
    /// The agency.
    pub agency_id: String,
    /// When a response was due.
    pub due_at: DateTime<Utc>,
    /// Whole hours past due (at least 0), for sorting and "2 days late".
    pub hours_overdue: u32,
}

/// Sent referrals past their due time at `now`, most overdue first (for the Today screen).
pub fn overdue_referrals(referrals: &[Referral], now: DateTime<Utc>) -> Vec<OverdueReferral> {
    let mut overdue: Vec<OverdueReferral> = referrals
        .iter()
        .filter(|r| r.status == ReferralStatus::Sent)
        .filter_map(|r| {
            let due_at = r.due_at?;
            // Due means "by then": exactly at the due time is not yet late.
            (now > due_at).then(|| OverdueReferral {
                referral_id: r.id,
                agency_id: r.agency_id.clone(),
                due_at,
                hours_overdue: u32::try_from((now - due_at).num_hours()).unwrap_or(u32::MAX),
            })
        })
        .collect();
    overdue.sort_by_key(|o| o.due_at);
    overdue
}

/// An agency the officer may want to refer to, with the reasons to pre-fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SuggestedReferral {
    /// The agency id.
    pub agency_id: String,
    /// Why it is suggested, in plain words, to pre-fill the referral's reasons.
    pub reasons: Vec<String>,
    /// The suggested urgency.
    pub urgency: Urgency,
}

/// Suggests agencies and reasons from a CHARLIE result and survey weaknesses; it never sends,
/// and never suggests a domestic abuse agency (the directory refuses such rules at load).
pub fn suggest_referrals(
    directory: &AgencyDirectory,
    charlie: &CharlieAssessment,
    survey_weaknesses: &[String],
) -> Vec<SuggestedReferral> {
    let urgency = directory.urgency.suggest(charlie.level);
    let label = |id: &str| {
        charlie
            .contributions
            .iter()
            .find(|c| c.id == id)
            .map_or_else(
                || id.replace('_', " "),
                |c| format!("{} ({} points)", c.label, c.points),
            )
    };
    directory
        .agencies
        .iter()
        // Belt and braces: the loader refuses DA rules, but a directory built in code skips it too.
        .filter(|agency| agency.kind != AgencyKind::DomesticAbuse)
        .filter_map(|agency| {
            let s = &agency.suggest_when;
            let mut reasons = Vec::new();
            if s.referral_threshold && charlie.meets_referral_threshold {
                reasons.push(format!(
                    "CHARLIE {} risk, {} points: {}",
                    charlie.level.label().to_lowercase(),
                    charlie.total,
                    charlie.referral_because.join("; ")
                ));
            }
            if s.no_working_alarm && charlie.no_working_alarm {
                reasons.push(label("no_working_alarm"));
            }
            for f in s
                .factors
                .iter()
                .filter(|f| charlie.present_factors.contains(f))
            {
                reasons.push(label(f));
            }
            for f in s.flags.iter().filter(|f| charlie.flags.contains(f)) {
                reasons.push(label(f));
            }
            for w in s
                .weaknesses
                .iter()
                .filter(|w| survey_weaknesses.contains(w))
            {
                reasons.push(format!("Home security survey: {}", w.replace('_', " ")));
            }
            (!reasons.is_empty()).then(|| SuggestedReferral {
                agency_id: agency.id.clone(),
                reasons,
                urgency,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::agency::tests::directory;
    use super::super::charlie::assess;
    use super::super::charlie::tests::{at, check_with};
    use super::super::template::tests::real as charlie_template;
    use super::*;
    use chrono::{Duration, TimeZone};
    use rstest::rstest;

    fn consent(purposes: &[ConsentPurpose]) -> Consent {
        Consent {
            given_by: ConsentGiver::Person,
            given_by_name: "A. Resident".into(),
            method: ConsentMethod::Verbal,
            signature_ref: None,
            purposes: purposes.to_vec(),
            capacity_concerns: None,
            recorded_by: OfficerId::new(),
            at: at(),
        }
    }

    fn basis(justification: &str) -> BasisRecord {
        BasisRecord {
            basis: LawfulBasis::PublicTask,
            justification: justification.into(),
            recorded_by: OfficerId::new(),
            at: at(),
        }
    }

    const GOOD_REASON: &str = "Smokes in bed beside medical oxygen; burn marks on the bedding";

    fn draft(agency: &str, consent: Option<Consent>, basis: Option<BasisRecord>) -> ReferralDraft {
        ReferralDraft {
            person_id: PersonId::new(),
            household_id: HouseholdId::new(),
            agency_id: agency.into(),
            reasons: vec!["CHARLIE high risk".into()],
            urgency: Urgency::Routine,
            charlie_check_id: None,
            consent,
            lawful_basis: basis,
        }
    }

    fn referral(agency: &str, consent: Option<Consent>, basis: Option<BasisRecord>) -> Referral {
        Referral::draft(
            &directory(),
            draft(agency, consent, basis),
            OfficerId::new(),
            Role::FireCrew,
            at(),
        )
        .expect("valid draft")
    }

    fn send(r: &mut Referral) -> Result<(), ReferralError> {
        r.apply(
            &directory(),
            ReferralStep::Send,
            OfficerId::new(),
            Role::FireCrew,
            at(),
        )
    }

    #[test]
    fn consent_covering_the_agency_purpose_allows_sending() {
        let mut r = referral(
            "fire_safe_and_well",
            Some(consent(&[ConsentPurpose::ShareWithFire])),
            None,
        );
        send(&mut r).expect("consent to share with fire covers the fire agency");
        assert_eq!(r.status, ReferralStatus::Sent, "sent");
        assert_eq!(r.sent_at, Some(at()), "the send time is recorded");
        assert_eq!(
            r.due_at,
            Some(at() + Duration::days(7)),
            "5 working days from a Monday"
        );
        assert_eq!(
            r.history.len(),
            1,
            "the step is in the history with who and when"
        );
    }

    #[test]
    fn nothing_is_sent_without_consent_or_basis() {
        let mut r = referral("fire_safe_and_well", None, None);
        let err = send(&mut r).expect_err("no consent, no basis");
        assert!(
            matches!(
                err,
                ReferralError::NotAuthorised(SendRefused::NoConsentOrBasis { .. })
            ),
            "the typed reason lets the screen say why: {err:?}"
        );
        assert_eq!(
            r.status,
            ReferralStatus::Draft,
            "a refused send leaves the draft unchanged"
        );
        assert!(
            r.history.is_empty() && r.sent_at.is_none(),
            "and records nothing"
        );
    }

    #[rstest]
    #[case("fire_safe_and_well", &[ConsentPurpose::Visit, ConsentPurpose::ShareWithHealth])]
    #[case("adult_social_care", &[ConsentPurpose::ShareWithFire])]
    #[case("victim_care", &[ConsentPurpose::ShareWithHealth, ConsentPurpose::FollowUp])]
    fn consent_for_another_purpose_is_not_enough(
        #[case] agency: &str,
        #[case] purposes: &[ConsentPurpose],
    ) {
        let mut r = referral(agency, Some(consent(purposes)), None);
        let err = send(&mut r).expect_err("consent must cover this agency's purpose");
        assert!(
            matches!(
                err,
                ReferralError::NotAuthorised(SendRefused::ConsentDoesNotCover { .. })
            ),
            "{agency} with {purposes:?} must be refused: {err:?}"
        );
    }

    #[test]
    fn consent_with_capacity_concerns_cannot_be_relied_on_alone() {
        let mut c = consent(&[ConsentPurpose::ShareWithFire]);
        c.capacity_concerns = Some("Confused about the date and who we were".into());
        let mut r = referral("fire_safe_and_well", Some(c), None);
        let err = send(&mut r).expect_err("capacity in doubt");
        assert_eq!(
            err,
            ReferralError::NotAuthorised(SendRefused::CapacityConcerns),
            "say why"
        );
        r.record_lawful_basis(basis(GOOD_REASON))
            .expect("a basis can be added to the draft");
        send(&mut r).expect("a lawful basis with justification authorises the send");
    }

    #[test]
    fn a_lawful_basis_with_justification_allows_sending_without_consent() {
        let mut r = referral("fire_safe_and_well", None, Some(basis(GOOD_REASON)));
        send(&mut r).expect("public task with a real justification");
        assert!(r.consent.is_none(), "a basis never pretends to be consent");
    }

    #[test]
    fn a_short_justification_is_refused_at_draft_and_at_send() {
        let err = Referral::draft(
            &directory(),
            draft("fire_safe_and_well", None, Some(basis("fire risk"))),
            OfficerId::new(),
            Role::Officer,
            at(),
        )
        .expect_err("too short to explain the decision");
        let ReferralError::Invalid(e) = err else {
            panic!("expected field errors, got {err:?}")
        };
        assert_eq!(
            e.errors()[0].field,
            "lawful_basis.justification",
            "the field is named"
        );
        // Fields are public, so the send re-checks rather than trusting the draft.
        let mut r = referral("fire_safe_and_well", None, Some(basis(GOOD_REASON)));
        if let Some(b) = r.lawful_basis.as_mut() {
            b.justification = "x".repeat(JUSTIFICATION_MIN - 1);
        }
        assert_eq!(
            send(&mut r),
            Err(ReferralError::NotAuthorised(
                SendRefused::JustificationTooShort {
                    min: JUSTIFICATION_MIN,
                    got: JUSTIFICATION_MIN - 1
                }
            )),
            "39 characters is one short"
        );
    }

    #[rstest]
    #[case(Role::Contractor)]
    #[case(Role::Analyst)]
    #[case(Role::Admin)]
    fn only_casework_roles_handle_referrals(#[case] role: Role) {
        let mut r = referral(
            "fire_safe_and_well",
            Some(consent(&[ConsentPurpose::ShareWithFire])),
            None,
        );
        assert!(
            r.available_steps(role).is_empty(),
            "{role:?} sees no buttons"
        );
        let err = r
            .apply(
                &directory(),
                ReferralStep::Send,
                OfficerId::new(),
                role,
                at(),
            )
            .expect_err("refused");
        assert!(
            matches!(err, ReferralError::RoleNotAllowed(_)),
            "{role:?} may not send: {err:?}"
        );
    }

    #[test]
    fn consent_cannot_be_changed_after_sending() {
        let mut r = referral(
            "fire_safe_and_well",
            Some(consent(&[ConsentPurpose::ShareWithFire])),
            None,
        );
        send(&mut r).expect("sent");
        assert_eq!(
            r.record_consent(consent(&[ConsentPurpose::ShareWithFire])),
            Err(ReferralError::NotDraft),
            "what authorised a send is part of the record"
        );
    }

    fn step(kind: ReferralStepKind) -> ReferralStep {
        match kind {
            ReferralStepKind::Send => ReferralStep::Send,
            ReferralStepKind::Acknowledge => ReferralStep::Acknowledge {
                agency_reference: Some("SW-1".into()),
            },
            ReferralStepKind::BookVisit => ReferralStep::BookVisit {
                visit_at: at() + Duration::days(3),
            },
            ReferralStepKind::Complete => ReferralStep::Complete {
                outcome: "Alarms fitted".into(),
            },
            ReferralStepKind::Decline => ReferralStep::Decline {
                reason: "Resident declined".into(),
            },
            ReferralStepKind::NoContact => ReferralStep::NoContact {
                attempts: "Three calls".into(),
            },
        }
    }

    /// A referral brought to `status` through legal steps.
    fn at_status(status: ReferralStatus) -> Referral {
        use ReferralStatus as S;
        use ReferralStepKind as K;
        let path: &[K] = match status {
            S::Draft => &[],
            S::Sent => &[K::Send],
            S::Acknowledged => &[K::Send, K::Acknowledge],
            S::VisitBooked => &[K::Send, K::Acknowledge, K::BookVisit],
            S::Completed => &[K::Send, K::Acknowledge, K::BookVisit, K::Complete],
            S::Declined => &[K::Send, K::Decline],
            S::NoContact => &[K::Send, K::NoContact],
        };
        let mut r = referral(
            "fire_safe_and_well",
            Some(consent(&[ConsentPurpose::ShareWithFire])),
            None,
        );
        for k in path {
            r.apply(
                &directory(),
                step(*k),
                OfficerId::new(),
                Role::Officer,
                at(),
            )
            .expect("legal path");
        }
        assert_eq!(r.status, status, "fixture reached its status");
        r
    }

    #[test]
    fn the_full_transition_matrix() {
        use ReferralStatus as S;
        use ReferralStepKind as K;
        // Rows: from status; the statuses each step may be taken from, written out by hand.
        let allowed: &[(S, &[K])] = &[
            (S::Draft, &[K::Send]),
            (
                S::Sent,
                &[K::Acknowledge, K::BookVisit, K::Decline, K::NoContact],
            ),
            (
                S::Acknowledged,
                &[K::BookVisit, K::Complete, K::Decline, K::NoContact],
            ),
            (S::VisitBooked, &[K::Complete, K::Decline, K::NoContact]),
            (S::Completed, &[]),
            (S::Declined, &[]),
            (S::NoContact, &[]),
        ];
        assert_eq!(allowed.len(), S::ALL.len(), "every status has a row");
        for (from, steps) in allowed {
            for kind in K::ALL {
                let mut r = at_status(*from);
                let before = r.clone();
                let result = r.apply(
                    &directory(),
                    step(*kind),
                    OfficerId::new(),
                    Role::Supervisor,
                    at(),
                );
                if steps.contains(kind) {
                    assert!(
                        result.is_ok(),
                        "{kind:?} from {from:?} must be allowed: {result:?}"
                    );
                    assert_eq!(r.status, kind.target(), "{kind:?} leads to its target");
                    let last = r.history.last().expect("recorded");
                    assert_eq!(
                        (last.from, last.to),
                        (*from, kind.target()),
                        "history records from and to"
                    );
                } else {
                    assert!(
                        matches!(result, Err(ReferralError::NotFromStatus { .. })),
                        "{kind:?} from {from:?} must be refused with a message: {result:?}"
                    );
                    assert_eq!(r, before, "a refused step changes nothing");
                }
            }
        }
    }

    #[test]
    fn closing_steps_need_their_words() {
        let mut r = at_status(ReferralStatus::Sent);
        let err = r
            .apply(
                &directory(),
                ReferralStep::Decline {
                    reason: "  ".into(),
                },
                OfficerId::new(),
                Role::Officer,
                at(),
            )
            .expect_err("blank reason");
        assert_eq!(
            err,
            ReferralError::Blank("why it was declined"),
            "the screen says what to enter"
        );
    }

    #[test]
    fn overdue_detection_at_the_boundary() {
        let mut r = at_status(ReferralStatus::Sent);
        let due = r.due_at.expect("due time set at sending");
        r.status = ReferralStatus::Sent;
        let acknowledged = at_status(ReferralStatus::Acknowledged);
        let draft = at_status(ReferralStatus::Draft);
        let all = [r.clone(), acknowledged, draft];
        assert!(
            overdue_referrals(&all, due).is_empty(),
            "exactly at the due time is not late"
        );
        let late = overdue_referrals(&all, due + Duration::seconds(1));
        assert_eq!(
            late.len(),
            1,
            "one second after, only the sent referral is late"
        );
        assert_eq!(late[0].referral_id, r.id, "the sent one");
        assert_eq!(late[0].hours_overdue, 0, "less than an hour late");
        let later = overdue_referrals(&all, due + Duration::hours(49));
        assert_eq!(later[0].hours_overdue, 49, "hours for \"2 days late\"");
    }

    #[test]
    fn overdue_lists_the_longest_waiting_first() {
        let mut a = at_status(ReferralStatus::Sent);
        let mut b = at_status(ReferralStatus::Sent);
        let base = Utc
            .with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
            .single()
            .expect("date");
        a.due_at = Some(base + Duration::days(2));
        b.due_at = Some(base);
        let list = overdue_referrals(&[a.clone(), b.clone()], base + Duration::days(10));
        let ids: Vec<_> = list.iter().map(|o| o.referral_id).collect();
        assert_eq!(ids, [b.id, a.id], "the longest wait first");
    }

    #[test]
    fn suggestions_come_from_the_charlie_result_and_survey() {
        let t = charlie_template();
        let mut c = check_with(
            &t,
            &[
                ("inappropriate_smoking", 10),
                ("reduced_mobility", 8),
                ("alcohol_and_drugs", 4),
            ],
        );
        c.flags = vec!["medical_oxygen".into()];
        let a = assess(&t, &c).expect("valid");
        let s = suggest_referrals(&directory(), &a, &["entry_door_forced".into()]);
        let ids: Vec<&str> = s.iter().map(|s| s.agency_id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "fire_safe_and_well",
                "victim_care",
                "substance_misuse",
                "falls_service"
            ],
            "each agency whose rule matched, in directory order"
        );
        let fire = &s[0];
        assert!(
            fire.reasons[0].starts_with("CHARLIE "),
            "lead with the level: {:?}",
            fire.reasons
        );
        assert!(
            fire.reasons.iter().any(|r| r.contains("Medical oxygen")),
            "name the flag: {:?}",
            fire.reasons
        );
        assert_eq!(
            fire.urgency,
            Urgency::Urgent,
            "{} points is very high, so urgent",
            a.total
        );
        assert!(
            !ids.contains(&"domestic_abuse_support"),
            "domestic abuse is never suggested from other answers"
        );
    }

    #[test]
    fn nothing_present_suggests_nothing() {
        let t = charlie_template();
        let a = assess(&t, &check_with(&t, &[])).expect("valid");
        assert!(
            suggest_referrals(&directory(), &a, &[]).is_empty(),
            "no factor, no flag, no suggestion"
        );
    }
}
