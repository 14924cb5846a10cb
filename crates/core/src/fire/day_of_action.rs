//! Pure rules for a fire crew's day of action: door outcome codes, the revisit queue and the
//! end-of-day summary (with its CSV), all computed from a slice of door records.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::household::Uprn;
use crate::ids::OfficerId;
use crate::validation::ValidationErrors;

use super::ids::DoorRecordId;

stored_enum!(
    /// What happened at a door (docs/domain.md#days-of-action); one keypress each in the door list.
    DoorOutcomeCode {
        /// Nobody answered.
        NoAnswer => "no_answer",
        /// The resident declined.
        Declined => "declined",
        /// Safety advice given.
        AdviceGiven => "advice_given",
        /// An existing alarm was tested and works.
        AlarmTestedOk => "alarm_tested_ok",
        /// Alarms were fitted (the count is on the record).
        AlarmFitted => "alarm_fitted",
        /// A full Safe and Well visit was done.
        FullVisit => "full_visit",
        /// A referral was made (the count is on the record).
        Referral => "referral",
        /// A return visit was booked.
        RevisitBooked => "revisit_booked",
        /// The property is empty.
        Void => "void",
        /// Not safe to approach.
        NotSafe => "not_safe",
        /// A leaflet was left.
        LeafletLeft => "leaflet_left",
        /// A CHARLIE check was done.
        CharlieDone => "charlie_done",
    }
);

impl DoorOutcomeCode {
    /// True when the code means someone came to the door.
    pub fn means_answered(self) -> bool {
        !matches!(
            self,
            Self::NoAnswer | Self::Void | Self::NotSafe | Self::LeafletLeft
        )
    }
}

/// One knock at one door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DoorRecord {
    /// Id.
    pub id: DoorRecordId,
    /// The address.
    pub uprn: Uprn,
    /// What happened; at least one code.
    pub outcomes: Vec<DoorOutcomeCode>,
    /// Alarms fitted at this knock; more than 0 exactly when `AlarmFitted` is recorded.
    pub alarms_fitted: u32,
    /// Referrals made at this knock; more than 0 exactly when `Referral` is recorded.
    pub referrals_made: u32,
    /// People found at higher risk (CHARLIE at or above the referral threshold).
    pub higher_risk_people: u32,
    /// When (given by the caller).
    pub at: DateTime<Utc>,
    /// The crew at the door.
    pub crew: Vec<OfficerId>,
}

impl DoorRecord {
    /// True when someone came to the door.
    pub fn answered(&self) -> bool {
        self.outcomes.iter().any(|o| o.means_answered())
    }

    /// Checks the codes and counts agree, so the summary adds up.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        use DoorOutcomeCode as C;
        let mut errors = ValidationErrors::default();
        let has = |c: C| self.outcomes.contains(&c);
        if self.outcomes.is_empty() {
            errors.add("outcomes", "Choose what happened at this door");
        }
        let unique: BTreeSet<&str> = self.outcomes.iter().map(|o| o.as_str()).collect();
        if unique.len() != self.outcomes.len() {
            errors.add("outcomes", "An outcome is recorded twice");
        }
        if (has(C::NoAnswer) || has(C::Void) || has(C::NotSafe)) && self.answered() {
            errors.add(
                "outcomes",
                "No answer, void and not safe cannot be combined with an answered outcome",
            );
        }
        if has(C::AlarmFitted) != (self.alarms_fitted > 0) {
            errors.add(
                "alarms_fitted",
                "Enter how many alarms were fitted, with \"alarm fitted\"",
            );
        }
        if has(C::Referral) != (self.referrals_made > 0) {
            errors.add(
                "referrals_made",
                "Enter how many referrals were made, with \"referral\"",
            );
        }
        if self.higher_risk_people > 0 && !has(C::CharlieDone) {
            errors.add(
                "higher_risk_people",
                "Record \"CHARLIE done\" for a higher-risk person",
            );
        }
        if self.crew.is_empty() {
            errors.add("crew", "Choose who was at the door");
        }
        errors.into_result(())
    }
}

/// An address to go back to: nobody has answered yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct RevisitItem {
    /// The address.
    pub uprn: Uprn,
    /// Knocks without an answer so far.
    pub attempts: u32,
    /// The last knock.
    pub last_tried: DateTime<Utc>,
}

/// Addresses whose every knock so far went unanswered (voids and not-safe excluded), oldest first.
pub fn revisit_queue(records: &[DoorRecord]) -> Vec<RevisitItem> {
    use DoorOutcomeCode as C;
    let mut by_door: BTreeMap<&Uprn, Vec<&DoorRecord>> = BTreeMap::new();
    for r in records {
        by_door.entry(&r.uprn).or_default().push(r);
    }
    let mut queue: Vec<RevisitItem> = by_door
        .into_iter()
        .filter(|(_, knocks)| {
            // One answer at any time clears the door; a void or unsafe address is never revisited.
            knocks.iter().all(|k| !k.answered())
                && knocks.iter().any(|k| k.outcomes.contains(&C::NoAnswer))
                && !knocks
                    .iter()
                    .any(|k| k.outcomes.contains(&C::Void) || k.outcomes.contains(&C::NotSafe))
        })
        .filter_map(|(uprn, knocks)| {
            Some(RevisitItem {
                uprn: uprn.clone(),
                attempts: u32::try_from(knocks.len()).unwrap_or(u32::MAX),
                last_tried: knocks.iter().map(|k| k.at).max()?,
            })
        })
        .collect();
    queue.sort_by(|a, b| {
        a.last_tried
            .cmp(&b.last_tried)
            .then_with(|| a.uprn.cmp(&b.uprn))
    });
    queue
}

/// End-of-day figures (docs/domain.md#days-of-action).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DaySummary {
    /// Different addresses knocked.
    pub doors_knocked: u32,
    /// Different addresses where someone answered.
    pub doors_answered: u32,
    /// Alarms fitted.
    pub alarms_fitted: u32,
    /// Addresses where an alarm was tested and worked.
    pub alarms_tested_ok: u32,
    /// Full Safe and Well visits.
    pub full_visits: u32,
    /// CHARLIE checks done.
    pub charlie_checks: u32,
    /// People found at higher risk.
    pub higher_risk_people: u32,
    /// Referrals made.
    pub referrals_made: u32,
    /// Addresses still waiting for an answer.
    pub revisits_outstanding: u32,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Sums a day's door records; revisits of one address count it once as knocked.
pub fn summarise(records: &[DoorRecord]) -> DaySummary {
    use DoorOutcomeCode as C;
    let doors: BTreeSet<&Uprn> = records.iter().map(|r| &r.uprn).collect();
    let answered: BTreeSet<&Uprn> = records
        .iter()
        .filter(|r| r.answered())
        .map(|r| &r.uprn)
        .collect();
    let tested: BTreeSet<&Uprn> = records
        .iter()
        .filter(|r| r.outcomes.contains(&C::AlarmTestedOk))
        .map(|r| &r.uprn)
        .collect();
    let with = |c: C| count(records.iter().filter(|r| r.outcomes.contains(&c)).count());
    let sum = |f: fn(&DoorRecord) -> u32| records.iter().fold(0u32, |t, r| t.saturating_add(f(r)));
    DaySummary {
        doors_knocked: count(doors.len()),
        doors_answered: count(answered.len()),
        alarms_fitted: sum(|r| r.alarms_fitted),
        alarms_tested_ok: count(tested.len()),
        full_visits: with(C::FullVisit),
        charlie_checks: with(C::CharlieDone),
        higher_risk_people: sum(|r| r.higher_risk_people),
        referrals_made: sum(|r| r.referrals_made),
        revisits_outstanding: count(revisit_queue(records).len()),
    }
}

/// Quotes a CSV field when needed, and defuses spreadsheet formulas in text from users.
fn csv_field(value: &str) -> String {
    let value = crate::text::spreadsheet_safe(value).into_owned();
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The CSV header, fixed so exports from different days line up.
pub const SUMMARY_CSV_HEADER: &str = "event,date,doors_knocked,doors_answered,alarms_fitted,alarms_tested_ok,full_visits,charlie_checks,higher_risk_people,referrals_made,revisits_outstanding";

/// The summary as CSV: a header and one row, CRLF line ends (RFC 4180).
pub fn summary_csv(event: &str, date: NaiveDate, s: &DaySummary) -> String {
    format!(
        "{SUMMARY_CSV_HEADER}\r\n{},{},{},{},{},{},{},{},{},{},{}\r\n",
        csv_field(event),
        date.format("%Y-%m-%d"),
        s.doors_knocked,
        s.doors_answered,
        s.alarms_fitted,
        s.alarms_tested_ok,
        s.full_visits,
        s.charlie_checks,
        s.higher_risk_people,
        s.referrals_made,
        s.revisits_outstanding,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use DoorOutcomeCode as C;
    use chrono::{Duration, TimeZone};
    use rstest::rstest;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 9, 9, 0, 0)
            .single()
            .expect("date")
    }

    fn uprn(n: u64) -> Uprn {
        Uprn::parse(&(100_000_000 + n).to_string()).expect("nine digits is a UPRN")
    }

    fn door(n: u64, minute: i64, outcomes: &[C]) -> DoorRecord {
        DoorRecord {
            id: DoorRecordId::new(),
            uprn: uprn(n),
            outcomes: outcomes.to_vec(),
            alarms_fitted: if outcomes.contains(&C::AlarmFitted) {
                2
            } else {
                0
            },
            referrals_made: u32::from(outcomes.contains(&C::Referral)),
            higher_risk_people: u32::from(
                outcomes.contains(&C::Referral) && outcomes.contains(&C::CharlieDone),
            ),
            at: start() + Duration::minutes(minute),
            crew: vec![OfficerId::new()],
        }
    }

    /// 50 doors, knocked in a pattern, then a revisit round at the no-answers.
    fn synthetic_day() -> Vec<DoorRecord> {
        let mut day = Vec::new();
        for n in 0..50u64 {
            let outcomes: &[C] = match n % 10 {
                0..=2 => &[C::NoAnswer, C::LeafletLeft],
                3 => &[C::Declined],
                4 => &[C::AdviceGiven, C::AlarmTestedOk],
                5 => &[C::AdviceGiven, C::AlarmFitted],
                6 => &[C::FullVisit, C::AlarmFitted, C::CharlieDone],
                7 => &[C::FullVisit, C::CharlieDone, C::Referral],
                8 => &[C::Void],
                _ => &[C::AdviceGiven, C::RevisitBooked],
            };
            day.push(door(n, i64::try_from(n).expect("small") * 5, outcomes));
        }
        // Afternoon: the n % 10 == 0 doors answer on a second knock; the others stay out.
        for n in (0..50u64).filter(|n| n % 10 == 0 || n % 10 == 1) {
            let outcomes: &[C] = if n % 10 == 0 {
                &[C::AdviceGiven, C::AlarmTestedOk]
            } else {
                &[C::NoAnswer]
            };
            day.push(door(n, 400, outcomes));
        }
        day
    }

    #[test]
    fn the_synthetic_day_validates() {
        for r in synthetic_day() {
            assert!(
                r.validate().is_ok(),
                "every fixture record is consistent: {r:?}"
            );
        }
    }

    #[test]
    fn summary_counts_from_a_day_of_fifty_doors() {
        let s = summarise(&synthetic_day());
        assert_eq!(s.doors_knocked, 50, "60 knocks but 50 different doors");
        // 5 each of codes 3,4,5,6,7,9 answered in the morning (30) + 5 on the revisit.
        assert_eq!(s.doors_answered, 35, "answered doors counted once");
        assert_eq!(s.alarms_fitted, 20, "10 records fitted 2 alarms each");
        assert_eq!(
            s.alarms_tested_ok, 10,
            "5 in the morning and 5 on the revisit"
        );
        assert_eq!(s.full_visits, 10, "codes 6 and 7");
        assert_eq!(s.charlie_checks, 10, "codes 6 and 7");
        assert_eq!(s.higher_risk_people, 5, "code 7 found one each");
        assert_eq!(s.referrals_made, 5, "code 7 referred one each");
        // Codes 1 (tried twice) and 2 (once) never answered; voids are not revisited.
        assert_eq!(s.revisits_outstanding, 10, "5 + 5 doors still to revisit");
    }

    #[test]
    fn the_revisit_queue_drops_doors_answered_later() {
        let day = synthetic_day();
        let queue = revisit_queue(&day);
        assert!(
            !queue.iter().any(|q| q.uprn == uprn(0)),
            "door 0 answered on the second knock"
        );
        assert!(
            !queue.iter().any(|q| q.uprn == uprn(8)),
            "a void is never revisited"
        );
        let door1 = queue
            .iter()
            .find(|q| q.uprn == uprn(1))
            .expect("door 1 never answered");
        assert_eq!(door1.attempts, 2, "two knocks without an answer");
        assert_eq!(
            door1.last_tried,
            start() + Duration::minutes(400),
            "the later knock"
        );
        assert!(
            queue.windows(2).all(|w| w[0].last_tried <= w[1].last_tried),
            "the longest-waiting door first"
        );
    }

    #[rstest]
    #[case(&[], 0, 0, "outcomes")]
    #[case(&[C::NoAnswer, C::AdviceGiven], 0, 0, "outcomes")]
    #[case(&[C::AlarmFitted], 0, 0, "alarms_fitted")]
    #[case(&[C::AdviceGiven], 1, 0, "alarms_fitted")]
    #[case(&[C::Referral], 0, 0, "referrals_made")]
    #[case(&[C::AdviceGiven, C::AdviceGiven], 0, 0, "outcomes")]
    fn inconsistent_door_records_are_refused(
        #[case] outcomes: &[C],
        #[case] fitted: u32,
        #[case] referrals: u32,
        #[case] field: &str,
    ) {
        let mut r = door(1, 0, &[C::AdviceGiven]);
        r.outcomes = outcomes.to_vec();
        r.alarms_fitted = fitted;
        r.referrals_made = referrals;
        let err = r.validate().expect_err("inconsistent");
        assert!(
            err.errors().iter().any(|e| e.field == field),
            "expected {field}: {err:?}"
        );
    }

    #[test]
    fn csv_has_a_fixed_header_and_one_row() {
        let s = summarise(&synthetic_day());
        let date = NaiveDate::from_ymd_opt(2026, 5, 9).expect("date");
        let csv = summary_csv("Oak Tree Lane", date, &s);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], SUMMARY_CSV_HEADER, "the header comes first");
        assert_eq!(
            lines[1], "Oak Tree Lane,2026-05-09,50,35,20,10,10,10,5,5,10",
            "values in header order"
        );
        assert_eq!(lines.len(), 3, "header, row and a final line end");
    }

    #[rstest]
    #[case("Oak Tree, Mansfield", "\"Oak Tree, Mansfield\"")]
    #[case("The \"Blitz\" day", "\"The \"\"Blitz\"\" day\"")]
    #[case("two\nlines", "\"two\nlines\"")]
    #[case("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    #[case("@SUM(1)", "'@SUM(1)")]
    #[case("Plain", "Plain")]
    fn csv_escaping(#[case] event: &str, #[case] field: &str) {
        let date = NaiveDate::from_ymd_opt(2026, 5, 9).expect("date");
        let csv = summary_csv(event, date, &DaySummary::default());
        let row = csv.split_once("\r\n").map(|(_, r)| r).expect("a row");
        assert!(
            row.starts_with(&format!("{field},")),
            "{event:?} must be written as {field}: {row}"
        );
    }
}

/// Longest day-of-action name, area or crew name, in characters.
pub const DAY_TEXT_MAX: usize = 120;
/// Most people in one crew.
pub const CREW_MAX: usize = 20;

impl crate::views::DayOfActionDraft {
    /// Checks the set-up form and returns the day, or every problem by field.
    pub fn validate(&self) -> Result<NaiveDate, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = self.name.trim();
        if name.is_empty() {
            errors.add(
                "name",
                "Enter a name for the day, like \"Lantern estate day of action\"",
            );
        } else if name.chars().count() > DAY_TEXT_MAX {
            errors.add("name", format!("Use {DAY_TEXT_MAX} characters or fewer"));
        }
        let date = NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d");
        if date.is_err() {
            errors.add(
                "date",
                "Enter the day as a real date, for example 27 11 2026",
            );
        }
        if self.area.trim().chars().count() > DAY_TEXT_MAX {
            errors.add("area", format!("Use {DAY_TEXT_MAX} characters or fewer"));
        }
        let crew: Vec<&str> = self
            .crew
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        if crew.is_empty() {
            errors.add("crew", "Enter who is in the crew, one name per line");
        } else if crew.len() > CREW_MAX {
            errors.add("crew", format!("A crew has at most {CREW_MAX} people"));
        } else if crew.iter().any(|c| c.chars().count() > DAY_TEXT_MAX) {
            errors.add(
                "crew",
                format!("Use {DAY_TEXT_MAX} characters or fewer for each name"),
            );
        }
        match date {
            Ok(d) if errors.is_empty() => Ok(d),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod draft_tests {
    use crate::views::DayOfActionDraft;
    use rstest::rstest;

    fn draft() -> DayOfActionDraft {
        DayOfActionDraft {
            name: "Lantern estate".into(),
            date: "2026-11-27".into(),
            area: "ZY1".into(),
            crew: vec!["Blue Watch".into()],
        }
    }

    #[rstest]
    #[case::good(draft(), &[])]
    #[case::no_name(DayOfActionDraft { name: " ".into(), ..draft() }, &["name"])]
    #[case::bad_date(DayOfActionDraft { date: "2026-02-30".into(), ..draft() }, &["date"])]
    #[case::no_crew(DayOfActionDraft { crew: vec![" ".into()], ..draft() }, &["crew"])]
    fn the_set_up_form_is_checked_field_by_field(
        #[case] d: DayOfActionDraft,
        #[case] fields: &[&str],
    ) {
        let got: Vec<String> = match d.validate() {
            Ok(_) => vec![],
            Err(e) => e.errors().iter().map(|f| f.field.clone()).collect(),
        };
        assert_eq!(got, fields);
    }
}
