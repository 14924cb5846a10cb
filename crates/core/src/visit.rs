//! A visit to a household: who went, when, why, and what happened.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{HouseholdId, OfficerId, VisitId};
use crate::validation::{ValidationErrors, optional};

/// Longest visit notes, in characters.
pub const NOTES_MAX: usize = 10_000;

stored_enum!(
    /// Why the visit happens.
    VisitKind {
        /// The home was burgled.
        BurglaryVictim => "burglary_victim",
        /// A neighbour of a burgled home (cocooning).
        CocoonNeighbour => "cocoon_neighbour",
        /// A door knocked on a day of action.
        DayOfAction => "day_of_action",
        /// A return visit after a plan or referral.
        FollowUp => "follow_up",
        /// A visit made because of a referral.
        ReferralVisit => "referral_visit",
    }
);

stored_enum!(
    /// What happened; no outcome yet means the visit is planned.
    VisitOutcome {
        /// The visit took place.
        Completed => "completed",
        /// Nobody answered the door.
        NoAnswer => "no_answer",
        /// The resident declined.
        Declined => "declined",
        /// Moved to another day.
        Rescheduled => "rescheduled",
    }
);

/// What an officer types to record or plan a visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct VisitDraft {
    /// The household visited.
    pub household_id: HouseholdId,
    /// Why.
    pub kind: VisitKind,
    /// The day, YYYY-MM-DD.
    pub visit_date: String,
    /// What happened; none while planned.
    pub outcome: Option<VisitOutcome>,
    /// Free-text notes.
    pub notes: String,
}

/// The validated content of a visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitDetails {
    /// Household.
    pub household_id: HouseholdId,
    /// Why.
    pub kind: VisitKind,
    /// The day.
    pub visit_date: NaiveDate,
    /// What happened.
    pub outcome: Option<VisitOutcome>,
    /// Notes.
    pub notes: String,
}

impl VisitDraft {
    /// Checks the draft against `today`: an outcome cannot be recorded for a future day.
    pub fn validate(&self, today: NaiveDate) -> Result<VisitDetails, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let visit_date = match NaiveDate::parse_from_str(self.visit_date.trim(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.add(
                    "visit_date",
                    "Enter the date of the visit as a real date, for example 27 11 2026",
                );
                None
            }
        };
        if let (Some(d), Some(_)) = (visit_date, self.outcome)
            && d > today
        {
            errors.add(
                "outcome",
                "A visit in the future cannot have an outcome yet: choose 'Planned'",
            );
        }
        let notes =
            optional(&mut errors, "notes", Some(&self.notes), NOTES_MAX).unwrap_or_default();
        match visit_date {
            Some(visit_date) if errors.is_empty() => Ok(VisitDetails {
                household_id: self.household_id,
                kind: self.kind,
                visit_date,
                outcome: self.outcome,
                notes,
            }),
            _ => Err(errors),
        }
    }
}

/// A visit as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Visit {
    /// Its id.
    pub id: VisitId,
    /// Household.
    pub household_id: HouseholdId,
    /// Why.
    pub kind: VisitKind,
    /// The day.
    pub visit_date: NaiveDate,
    /// Who visited.
    pub officer_id: OfficerId,
    /// Their name, for lists.
    pub officer_name: String,
    /// What happened; none while planned.
    pub outcome: Option<VisitOutcome>,
    /// Notes.
    pub notes: String,
    /// When first recorded.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).expect("valid date")
    }

    fn draft() -> VisitDraft {
        VisitDraft {
            household_id: HouseholdId::new(),
            kind: VisitKind::BurglaryVictim,
            visit_date: "2026-11-27".into(),
            outcome: Some(VisitOutcome::Completed),
            notes: "  Rear door forced. ".into(),
        }
    }

    #[test]
    fn a_visit_today_with_an_outcome_is_valid() {
        let v = draft().validate(today()).expect("valid");
        assert_eq!(v.notes, "Rear door forced.");
    }

    #[test]
    fn a_future_visit_cannot_have_an_outcome() {
        let errors = VisitDraft {
            visit_date: "2026-12-01".into(),
            ..draft()
        }
        .validate(today())
        .expect_err("invalid");
        assert_eq!(errors.errors()[0].field, "outcome");
        let planned = VisitDraft {
            visit_date: "2026-12-01".into(),
            outcome: None,
            ..draft()
        };
        assert!(
            planned.validate(today()).is_ok(),
            "a planned future visit is fine"
        );
    }

    #[test]
    fn a_missing_date_is_reported() {
        let errors = VisitDraft {
            visit_date: "".into(),
            ..draft()
        }
        .validate(today())
        .expect_err("invalid");
        assert_eq!(errors.errors()[0].field, "visit_date");
    }

    #[test]
    fn stored_text_round_trips() {
        for kind in VisitKind::ALL {
            assert_eq!(VisitKind::parse(kind.as_str()), Some(*kind));
            let json = serde_json::to_string(kind).expect("serialises");
            assert_eq!(
                json,
                format!("\"{}\"", kind.as_str()),
                "wire name equals stored name"
            );
        }
        for outcome in VisitOutcome::ALL {
            assert_eq!(VisitOutcome::parse(outcome.as_str()), Some(*outcome));
        }
    }
}
