//! The follow-up visit after fitting: were the measures fitted and used, how safe the resident
//! feels now against before, and whether they have been burgled again.

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::ValidationErrors;

use super::answers::{AnswerValue, Answers, YesNo};

/// When follow-ups fall due; a scheme decision, so it lives in the policy file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields, default)]
pub struct FollowUpPolicy {
    /// Months after fitting.
    pub months_after_fitting: u32,
}

impl Default for FollowUpPolicy {
    fn default() -> Self {
        Self {
            months_after_fitting: 3,
        }
    }
}

/// What the officer found at the follow-up visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FollowUpFindings {
    /// Were all the measures in the plan fitted?
    pub measures_fitted: YesNo,
    /// Does the resident use them (locks locked, lights on, alarm set)?
    pub measures_used: YesNo,
    /// How safe they feel now, 1 (very unsafe) to 5 (very safe): the survey's question again.
    pub feeling_safe: u8,
    /// Any burglary or attempt since the measures were fitted.
    pub repeat_burglary: YesNo,
    /// Anything else, in the officer's words.
    pub notes: String,
}

/// Longest follow-up note, in characters.
pub const MAX_NOTES: usize = 4_000;

impl FollowUpFindings {
    /// Checks the findings, naming each field that needs attention.
    pub fn validate(&self) -> ValidationErrors {
        let mut errors = ValidationErrors::default();
        if !(1..=5).contains(&self.feeling_safe) {
            errors.add(
                "feeling_safe",
                "Choose how safe the resident feels, from 1 (very unsafe) to 5 (very safe)",
            );
        }
        for (field, value, what) in [
            (
                "measures_fitted",
                self.measures_fitted,
                "whether every measure was fitted",
            ),
            (
                "measures_used",
                self.measures_used,
                "whether the resident uses the measures",
            ),
            (
                "repeat_burglary",
                self.repeat_burglary,
                "whether there has been a burglary since",
            ),
        ] {
            if value == YesNo::Unknown {
                errors.add(field, format!("Ask and record {what}"));
            }
        }
        if self.notes.chars().count() > MAX_NOTES {
            errors.add("notes", format!("Use {MAX_NOTES} characters or fewer"));
        }
        errors
    }
}

/// The follow-up as recorded on the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FollowUp {
    /// The findings.
    pub findings: FollowUpFindings,
    /// How safe the resident felt at the survey, when they answered.
    pub feeling_safe_before: Option<u8>,
    /// When it was recorded.
    pub at: DateTime<Utc>,
}

/// The day a follow-up falls due: `policy` months after the day of fitting.
pub fn due_on(fitted_at: DateTime<Utc>, policy: &FollowUpPolicy) -> NaiveDate {
    let day = fitted_at.date_naive();
    day.checked_add_months(Months::new(policy.months_after_fitting))
        .unwrap_or(day)
}

/// The survey's "how safe do you feel" answer, if it was a whole number from 1 to 5.
pub fn feeling_safe_at_survey(answers: &Answers, item: &str) -> Option<u8> {
    match answers.values.get(item) {
        Some(AnswerValue::Number(n)) if (1.0..=5.0).contains(n) && n.fract() == 0.0 => {
            // In range and whole, so the cast is exact.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Some(*n as u8)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rstest::rstest;

    fn findings() -> FollowUpFindings {
        FollowUpFindings {
            measures_fitted: YesNo::Yes,
            measures_used: YesNo::Yes,
            feeling_safe: 4,
            repeat_burglary: YesNo::No,
            notes: String::new(),
        }
    }

    #[rstest]
    #[case(2026, 1, 15, 3, (2026, 4, 15))]
    #[case(2026, 11, 30, 3, (2027, 2, 28))] // end of month clamps
    #[case(2026, 6, 1, 6, (2026, 12, 1))]
    #[case(2026, 6, 1, 0, (2026, 6, 1))]
    fn follow_up_falls_due_months_after_fitting(
        #[case] y: i32,
        #[case] m: u32,
        #[case] d: u32,
        #[case] months: u32,
        #[case] due: (i32, u32, u32),
    ) {
        let fitted = Utc.with_ymd_and_hms(y, m, d, 15, 0, 0).single();
        let policy = FollowUpPolicy {
            months_after_fitting: months,
        };
        assert_eq!(
            fitted.map(|f| due_on(f, &policy)),
            NaiveDate::from_ymd_opt(due.0, due.1, due.2)
        );
    }

    #[rstest]
    #[case::complete(findings(), &[])]
    #[case::feeling_out_of_range(FollowUpFindings { feeling_safe: 0, ..findings() }, &["feeling_safe"])]
    #[case::feeling_too_high(FollowUpFindings { feeling_safe: 6, ..findings() }, &["feeling_safe"])]
    #[case::unanswered(FollowUpFindings { measures_used: YesNo::Unknown, repeat_burglary: YesNo::Unknown, ..findings() }, &["measures_used", "repeat_burglary"])]
    #[case::long_notes(FollowUpFindings { notes: "x".repeat(MAX_NOTES + 1), ..findings() }, &["notes"])]
    fn findings_are_checked(#[case] f: FollowUpFindings, #[case] fields: &[&str]) {
        let errors = f.validate();
        let got: Vec<&str> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(got, fields);
    }

    #[rstest]
    #[case(Some(AnswerValue::Number(2.0)), Some(2))]
    #[case(Some(AnswerValue::Number(2.5)), None)]
    #[case(Some(AnswerValue::Number(9.0)), None)]
    #[case(None, None)]
    fn the_surveys_answer_is_the_before_figure(
        #[case] value: Option<AnswerValue>,
        #[case] expected: Option<u8>,
    ) {
        let mut answers = Answers {
            template_id: "t".into(),
            template_version: 1,
            values: Default::default(),
        };
        if let Some(v) = value {
            answers.values.insert("feel_safe".into(), v);
        }
        assert_eq!(feeling_safe_at_survey(&answers, "feel_safe"), expected);
    }
}
