//! The limits the forms show (a box's `maxlength`, a hint, a character counter), read from the
//! very constants the rules validate with. The UI is sent these numbers and never types its
//! own, so a changed limit changes the check and the screen together.

use serde::{Deserialize, Serialize};

use crate::fire::charlie::{FLOOR_MAX, NOTE_MAX};
use crate::fire::day_of_action::{CREW_MAX, DAY_TEXT_MAX};
use crate::fire::referral::{JUSTIFICATION_MIN, TEXT_MAX};
use crate::household::{LINE_MAX, TOWN_MAX, Uprn};
use crate::security::follow_up::MAX_NOTES;
use crate::security::plan::MAX_QUANTITY;
use crate::security::survey::MAX_SECTION_NOTE;
use crate::{person, visit};

/// Every limit a form enforces, in characters unless a name says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Limits {
    /// Longest resident's name.
    pub person_name_max: u32,
    /// Longest phone number as typed.
    pub phone_max: u32,
    /// Longest email address.
    pub email_max: u32,
    /// Longest preferred language.
    pub language_max: u32,
    /// Longest address line.
    pub address_line_max: u32,
    /// Longest town.
    pub town_max: u32,
    /// Most digits in a UPRN.
    pub uprn_digits_max: u32,
    /// Longest visit notes.
    pub visit_notes_max: u32,
    /// Most units of one measure on one plan line (the least is 1).
    pub plan_quantity_max: u32,
    /// Longest note on a survey section.
    pub section_note_max: u32,
    /// Longest notes from a follow-up visit.
    pub follow_up_notes_max: u32,
    /// Longest note on a CHARLIE factor.
    pub charlie_note_max: u32,
    /// Longest name of a floor in a CHARLIE check's smoke alarms.
    pub alarm_floor_max: u32,
    /// Shortest justification for sharing without consent.
    pub justification_min: u32,
    /// Longest free text on a referral: each reason, a capacity concern, a justification, an
    /// agency's answer.
    pub referral_text_max: u32,
    /// Longest day-of-action name, area, or crew member's name.
    pub day_text_max: u32,
    /// Most people in a day of action's crew.
    pub crew_max: u32,
}

/// A count for the wire; every limit is far below `u32::MAX`, so this never saturates.
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Limits {
    /// The limits the rules in this build apply.
    pub fn current() -> Self {
        Self {
            person_name_max: count(person::NAME_MAX),
            phone_max: count(person::PHONE_MAX),
            email_max: count(person::EMAIL_MAX),
            language_max: count(person::LANGUAGE_MAX),
            address_line_max: count(LINE_MAX),
            town_max: count(TOWN_MAX),
            uprn_digits_max: count(Uprn::MAX_DIGITS),
            visit_notes_max: count(visit::NOTES_MAX),
            plan_quantity_max: MAX_QUANTITY,
            section_note_max: count(MAX_SECTION_NOTE),
            follow_up_notes_max: count(MAX_NOTES),
            charlie_note_max: count(NOTE_MAX),
            alarm_floor_max: count(FLOOR_MAX),
            justification_min: count(JUSTIFICATION_MIN),
            referral_text_max: count(TEXT_MAX),
            day_text_max: count(DAY_TEXT_MAX),
            crew_max: count(CREW_MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::household::HouseholdDraft;
    use crate::ids::HouseholdId;
    use crate::person::PersonDraft;
    use crate::views::DayOfActionDraft;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).expect("a real date")
    }

    fn text(n: u32) -> String {
        "a".repeat(n as usize)
    }

    fn person_errors(edit: impl FnOnce(&mut PersonDraft)) -> Vec<String> {
        let mut draft = PersonDraft::named(HouseholdId::new(), "Ann Sampleton");
        edit(&mut draft);
        draft
            .validate(today())
            .err()
            .map(|e| e.errors().iter().map(|f| f.field.clone()).collect())
            .unwrap_or_default()
    }

    fn household(edit: impl FnOnce(&mut HouseholdDraft)) -> Vec<String> {
        let mut draft = HouseholdDraft {
            uprn: String::new(),
            address_line_1: "14 Lantern Walk".into(),
            address_line_2: String::new(),
            address_line_3: String::new(),
            town: "Mansfield".into(),
            postcode: "ZY1 4AA".into(),
            coordinates: None,
        };
        edit(&mut draft);
        draft
            .validate()
            .err()
            .map(|e| e.errors().iter().map(|f| f.field.clone()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn each_text_limit_is_the_one_its_rule_applies() {
        let l = Limits::current();
        // At the limit a field passes and one past it fails, so the number sent is the rule's.
        assert!(person_errors(|d| d.full_name = text(l.person_name_max)).is_empty());
        assert_eq!(
            person_errors(|d| d.full_name = text(l.person_name_max + 1)),
            ["full_name"]
        );
        assert_eq!(
            person_errors(|d| d.preferred_language = text(l.language_max + 1)),
            ["preferred_language"]
        );
        assert!(person_errors(|d| d.preferred_language = text(l.language_max)).is_empty());
        assert!(household(|d| d.address_line_2 = text(l.address_line_max)).is_empty());
        assert_eq!(
            household(|d| d.address_line_2 = text(l.address_line_max + 1)),
            ["address_line_2"]
        );
        assert!(household(|d| d.town = text(l.town_max)).is_empty());
        assert_eq!(household(|d| d.town = text(l.town_max + 1)), ["town"]);
        assert!(household(|d| d.uprn = "9".repeat(l.uprn_digits_max as usize)).is_empty());
        assert_eq!(
            household(|d| d.uprn = "9".repeat(l.uprn_digits_max as usize + 1)),
            ["uprn"]
        );
        let day = |name: String, crew: usize| DayOfActionDraft {
            name,
            date: "2026-03-02".into(),
            area: "Lantern estate".into(),
            crew: vec!["Ann Sampleton".into(); crew],
        };
        assert!(
            day(text(l.day_text_max), l.crew_max as usize)
                .validate()
                .is_ok()
        );
        assert!(day(text(l.day_text_max + 1), 1).validate().is_err());
        assert!(
            day("Lantern".into(), l.crew_max as usize + 1)
                .validate()
                .is_err()
        );
    }

    #[test]
    fn limits_cross_the_wire_by_name() {
        let json = serde_json::to_value(Limits::current()).expect("limits serialise");
        assert_eq!(
            json["plan_quantity_max"], MAX_QUANTITY,
            "the UI reads each limit by its field name"
        );
        assert_eq!(json["justification_min"], JUSTIFICATION_MIN);
    }
}
