//! The retention schedule: for each retention class of the data map, when its clock starts
//! (the trigger), how long it runs, and what then happens to the records (deleted, or
//! anonymised so the figures survive). And the rule that applies it: given every record's
//! few facts (what it belongs to, its date, whether it is still open), which records are
//! past their date on a day. The hub runs it daily over everything it holds; a laptop runs
//! it over what it holds, even offline. Both read the same schedule file
//! (`assets/retention.toml`, or the council's own).
//!
//! The clock runs per household: a record that belongs to a household (through any chain of
//! `*_id` fields) is dated by its household's case — its last contact, whether anything is
//! still open, when its plan was fitted — so a survey is never deleted while its household
//! is still being helped. A record that belongs to none (a day of action, a conflict about
//! a record already gone) is dated by itself. A record goes when it is due or when anything
//! it belongs to goes, so nothing is left pointing at a record that is gone; a household
//! under a legal hold keeps everything.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use toml::Spanned;

use super::data_map::{Classification, DataMap, Problem, RetentionClass};
use crate::security::lifecycle::PlanStatus;

stored_enum!(
    /// When a retention period starts.
    Trigger {
        /// The last time anyone from the scheme dealt with the household: its newest
        /// visit, survey, plan, check, referral, knock or change.
        LastContact => "last_contact",
        /// The household's case closed, dated by its last contact: the same day as
        /// `last_contact`, since no record of a case still open (a plan not yet fitted, a
        /// referral or work order unfinished, a conflict undecided) is ever disposed of;
        /// named so for schedules that speak of closure.
        CaseClosed => "case_closed",
        /// The household's plan was fitted (its newest fitted plan); a household with no
        /// fitted plan counts from its case closing.
        PlanFitted => "plan_fitted",
        /// The record's own date (a day of action's day, a knock's time, a conflict's
        /// raising), for records that stand on their own.
        Recorded => "recorded",
    }
);

impl Trigger {
    /// The trigger in words.
    pub fn label(self) -> &'static str {
        match self {
            Self::LastContact => "after the last contact with the household",
            Self::CaseClosed => "after the household's case closed",
            Self::PlanFitted => "after the household's plan was fitted",
            Self::Recorded => "after the record's own date",
        }
    }
}

stored_enum!(
    /// What happens to a record at the end of its period.
    Action {
        /// Deleted everywhere: the hub and every laptop.
        Delete => "delete",
        /// Every field about a person is removed (what the data map classifies as personal,
        /// special category or criminal offence data); the rest stays on the hub for the
        /// figures. Laptops delete their copy.
        Anonymise => "anonymise",
    }
);

impl Action {
    /// The action in words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Delete => "delete",
            Self::Anonymise => "anonymise, keeping the figures",
        }
    }

    /// What it did to a record, in words: "deleted", "anonymised".
    pub fn done(self) -> &'static str {
        match self {
            Self::Delete => "deleted",
            Self::Anonymise => "anonymised",
        }
    }
}

/// How long one retention class is kept, from when, and what then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// The class.
    pub class: RetentionClass,
    /// When the period starts.
    pub trigger: Trigger,
    /// Its length, in calendar months.
    pub keep_months: u32,
    /// What then.
    pub action: Action,
    /// Why, as the council's schedule says.
    pub note: Option<String>,
    /// Where it is in the file (from 1).
    pub line: usize,
}

impl Rule {
    /// The period in words: "6 years", "18 months".
    pub fn period(&self) -> String {
        let m = self.keep_months;
        match (m / 12, m % 12) {
            (0, 1) => "1 month".to_owned(),
            (0, n) => format!("{n} months"),
            (1, 0) => "1 year".to_owned(),
            (y, 0) => format!("{y} years"),
            _ => format!("{m} months"),
        }
    }
}

/// The schedule: one rule per retention class, in [`RetentionClass::ALL`] order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    rules: Vec<Rule>,
}

/// Why a retention schedule was refused: every problem found, each with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .problems.iter().map(|p| format!("line {}: {}", p.line, p.reason)).collect::<Vec<_>>().join("; "))]
pub struct ScheduleError {
    /// The problems, in file order.
    pub problems: Vec<Problem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    class: BTreeMap<Spanned<String>, Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    trigger: Spanned<String>,
    keep_months: Spanned<i64>,
    action: Spanned<String>,
    note: Option<String>,
}

/// The longest period a schedule may set: 100 years, beyond which a slip is likelier than
/// a decision.
pub const MAX_KEEP_MONTHS: i64 = 1200;

fn words<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> String {
    all.iter()
        .map(|v| format!("\"{}\"", name(*v)))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Schedule {
    /// Reads a schedule file, refusing it with every problem and its line: TOML that does
    /// not parse, an unknown retention class, trigger or action, a class left out, a
    /// negative or absurd period, and an action a class cannot take (a photo or an audit
    /// line cannot be anonymised, only deleted).
    pub fn from_toml(text: &str) -> Result<Self, ScheduleError> {
        let raw: RawSchedule =
            super::parse_file(text).map_err(|p| ScheduleError { problems: vec![p] })?;
        let mut problems = Vec::new();
        for key in raw.class.keys() {
            if RetentionClass::parse(key.get_ref()).is_none() {
                problems.push(Problem {
                    line: super::line_at(text, key.span().start),
                    reason: format!(
                        "record class \"{}\" is not one the data map uses (one of {})",
                        key.get_ref(),
                        words(RetentionClass::ALL, RetentionClass::as_str)
                    ),
                });
            }
        }
        let mut rules = Vec::new();
        for class in RetentionClass::ALL {
            let Some((key, rule)) = raw
                .class
                .iter()
                .find(|(k, _)| k.get_ref().as_str() == class.as_str())
            else {
                problems.push(Problem {
                    line: 1,
                    reason: format!(
                        "record class \"{}\" is missing: every class needs a period \
                         ([class.{}])",
                        class.as_str(),
                        class.as_str()
                    ),
                });
                continue;
            };
            let raw = rule.get_ref();
            let at = |s: std::ops::Range<usize>| super::line_at(text, s.start);
            let name = class.as_str();
            let trigger = Trigger::parse(raw.trigger.get_ref());
            if trigger.is_none() {
                problems.push(Problem {
                    line: at(raw.trigger.span()),
                    reason: format!(
                        "{name}: trigger \"{}\" is not one of {}",
                        raw.trigger.get_ref(),
                        words(Trigger::ALL, Trigger::as_str)
                    ),
                });
            }
            let action = Action::parse(raw.action.get_ref());
            match action {
                None => problems.push(Problem {
                    line: at(raw.action.span()),
                    reason: format!(
                        "{name}: action \"{}\" is not one of {}",
                        raw.action.get_ref(),
                        words(Action::ALL, Action::as_str)
                    ),
                }),
                Some(Action::Anonymise)
                    if matches!(
                        class,
                        RetentionClass::Attachments | RetentionClass::AuditLog
                    ) =>
                {
                    problems.push(Problem {
                        line: at(raw.action.span()),
                        reason: format!(
                            "{name}: a {} cannot be anonymised, only deleted (action = \"delete\")",
                            if *class == RetentionClass::AuditLog {
                                "line of the audit log"
                            } else {
                                "photo or signature"
                            }
                        ),
                    });
                }
                Some(_) => {}
            }
            let months = *raw.keep_months.get_ref();
            if !(0..=MAX_KEEP_MONTHS).contains(&months) {
                problems.push(Problem {
                    line: at(raw.keep_months.span()),
                    reason: format!(
                        "{name}: keep_months must be a whole number of months from 0 to \
                         {MAX_KEEP_MONTHS}, not {months}"
                    ),
                });
            }
            if let (Some(trigger), Some(action), Ok(keep_months)) =
                (trigger, action, u32::try_from(months))
            {
                rules.push(Rule {
                    class: *class,
                    trigger,
                    keep_months: keep_months.min(MAX_KEEP_MONTHS as u32),
                    action,
                    note: raw
                        .note
                        .as_ref()
                        .map(|n| n.trim().to_owned())
                        .filter(|n| !n.is_empty()),
                    line: super::line_at(text, key.span().start),
                });
            }
        }
        if problems.is_empty() {
            Ok(Self { rules })
        } else {
            problems.sort_by_key(|p| p.line);
            Err(ScheduleError { problems })
        }
    }

    /// Every rule, in [`RetentionClass::ALL`] order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule for `class`.
    pub fn rule(&self, class: RetentionClass) -> Option<&Rule> {
        self.rules.iter().find(|r| r.class == class)
    }

    /// The first day on which something recorded on `day` is past a period of `months`.
    pub fn past(day: NaiveDate, months: u32) -> Option<NaiveDate> {
        day.checked_add_months(Months::new(months))
    }
}

/// What the retention rule needs to know about one record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Facts {
    /// Every id its `*_id` fields name (its household, survey, plan, cocoon, day…): the
    /// records it belongs to, among those that exist.
    pub references: Vec<String>,
    /// Its own date: when it happened, or else when it was last written.
    pub day: Option<NaiveDate>,
    /// Whether it is still in progress (a plan not yet fitted, a referral or work order
    /// not finished, a conflict undecided).
    pub open: bool,
    /// For a plan, the day it was fitted.
    pub fitted: Option<NaiveDate>,
}

fn text<'a>(fields: &'a BTreeMap<String, Value>, name: &str) -> Option<&'a str> {
    fields
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A stored date or time (`YYYY-MM-DD`, or RFC 3339) as its UTC day.
fn day_of(value: &str) -> Option<NaiveDate> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc).date_naive());
    }
    NaiveDate::parse_from_str(value.get(..10)?, "%Y-%m-%d").ok()
}

/// The newest day in a plan's history.
fn latest_step(fields: &BTreeMap<String, Value>) -> Option<NaiveDate> {
    fields
        .get("history")?
        .as_array()?
        .iter()
        .filter_map(|e| e.get("at")?.as_str().and_then(day_of))
        .max()
}

/// The day a plan's history says it became fitted.
fn fitted_on(fields: &BTreeMap<String, Value>) -> Option<NaiveDate> {
    fields
        .get("history")?
        .as_array()?
        .iter()
        .filter(|e| e.get("to").and_then(Value::as_str) == Some(PlanStatus::Fitted.as_str()))
        .filter_map(|e| e.get("at")?.as_str().and_then(day_of))
        .max()
}

/// The facts of a record of `entity` (its wire name) with these `fields`, last written on
/// `written` (the newest of its fields' versions).
pub fn facts(entity: &str, fields: &BTreeMap<String, Value>, written: Option<NaiveDate>) -> Facts {
    let references = fields
        .iter()
        .filter(|(name, _)| name.ends_with("_id"))
        .filter_map(|(_, v)| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned))
        .collect();
    let own = |names: &[&str]| names.iter().find_map(|n| text(fields, n).and_then(day_of));
    let status = text(fields, "status");
    let (day, open, fitted) = match entity {
        // A restricted household's records are kept as they are, like a case in progress:
        // the resident asked for them to be kept and not used, not disposed of.
        "household" => (
            None,
            super::restriction::is_restricted(fields.get(super::restriction::RESTRICTED_FIELD)),
            None,
        ),
        "visit" => (own(&["visit_date"]), false, None),
        "plan" => (
            // Every step of a plan is contact with the household: its newest counts.
            own(&["created_at"]).max(latest_step(fields)),
            status.and_then(PlanStatus::parse).is_some_and(|s| {
                matches!(
                    s,
                    PlanStatus::Draft
                        | PlanStatus::Agreed
                        | PlanStatus::Approved
                        | PlanStatus::Ordered
                )
            }),
            fitted_on(fields),
        ),
        "cocoon" => (own(&["closes_on", "opened_on"]), false, None),
        "referral" => (
            own(&["sent_at", "created_at"]),
            status
                .and_then(crate::fire::ReferralStatus::parse)
                .is_some_and(|s| {
                    !matches!(
                        s,
                        crate::fire::ReferralStatus::Completed
                            | crate::fire::ReferralStatus::Declined
                            | crate::fire::ReferralStatus::NoContact
                    )
                }),
            None,
        ),
        "day_of_action" => (own(&["date"]), false, None),
        "door_knock" => (own(&["at"]), false, None),
        "conflict" => (own(&["raised_at"]), status == Some("open"), None),
        "work_order" => (
            own(&["issued_on"]),
            status
                .and_then(crate::work_order::WorkOrderStatus::parse)
                .is_some_and(crate::work_order::WorkOrderStatus::is_open),
            None,
        ),
        _ => (None, false, None),
    };
    // A record's own date never hides a later change to it: the later of the two counts.
    let day = match (day, written) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    Facts {
        references,
        day,
        open,
        fitted,
    }
}

/// The day a record was last written: the newest of its fields' versions.
pub fn written<'a>(versions: impl IntoIterator<Item = &'a crate::Hlc>) -> Option<NaiveDate> {
    versions
        .into_iter()
        .map(|v| v.wall_ms)
        .max()
        .and_then(|ms| DateTime::from_timestamp_millis(i64::try_from(ms).ok()?))
        .map(|t| t.date_naive())
}

/// One record the rule is run over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Its kind's wire name.
    pub entity: String,
    /// Its id.
    pub id: String,
    /// Its facts.
    pub facts: Facts,
}

/// A record past its date, and what is done with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// Its index in the items given.
    pub index: usize,
    /// Its class.
    pub class: RetentionClass,
    /// What is done.
    pub action: Action,
}

/// What a run of the rule found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// The records past their date, in the order given.
    pub due: Vec<Due>,
    /// How many more would be due but belong to a household under a legal hold.
    pub held_back: usize,
}

/// A household's case, as the rule dates it.
#[derive(Debug, Clone, Copy, Default)]
struct Case {
    last_contact: Option<NaiveDate>,
    open: bool,
    fitted: Option<NaiveDate>,
}

/// The household each item belongs to (its index), following references until one is a
/// household. `None` for a record that belongs to none.
fn households(items: &[Item], by_id: &HashMap<&str, usize>) -> Vec<Option<usize>> {
    const UNKNOWN: u8 = 0;
    const VISITING: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![UNKNOWN; items.len()];
    let mut found: Vec<Option<usize>> = vec![None; items.len()];
    for start in 0..items.len() {
        if state[start] == DONE {
            continue;
        }
        // Depth-first without recursion: 5,000,000 records must not overflow the stack.
        let mut stack = vec![(start, 0usize)];
        state[start] = VISITING;
        while let Some(&mut (at, ref mut next)) = stack.last_mut() {
            if items[at].entity == "household" {
                found[at] = Some(at);
                state[at] = DONE;
                stack.pop();
                continue;
            }
            let refs = &items[at].facts.references;
            if found[at].is_none() && *next < refs.len() {
                let r = *next;
                *next += 1;
                if let Some(&parent) = by_id.get(refs[r].as_str()) {
                    match state[parent] {
                        DONE if found[at].is_none() => found[at] = found[parent],
                        UNKNOWN => {
                            state[parent] = VISITING;
                            stack.push((parent, 0));
                        }
                        _ => {} // a cycle: that path names no household
                    }
                }
                continue;
            }
            state[at] = DONE;
            stack.pop();
            if let Some(&(below, _)) = stack.last()
                && found[below].is_none()
            {
                found[below] = found[at];
            }
        }
    }
    found
}

/// Runs the schedule over `items` on `today`: which records are past their date, each
/// with its class (`class_of` names a kind's class, from the data map) and action. A
/// record goes with anything it belongs to; records of a household in `held` stay.
pub fn due(
    schedule: &Schedule,
    class_of: impl Fn(&str) -> Option<RetentionClass>,
    items: &[Item],
    held: &HashSet<String>,
    today: NaiveDate,
) -> Outcome {
    let by_id: HashMap<&str, usize> = items
        .iter()
        .enumerate()
        .map(|(i, item)| (item.id.as_str(), i))
        .collect();
    let household = households(items, &by_id);
    let mut cases: HashMap<usize, Case> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(h) = household[i] {
            let case = cases.entry(h).or_default();
            case.last_contact = case.last_contact.max(item.facts.day);
            case.open |= item.facts.open;
            case.fitted = case.fitted.max(item.facts.fitted);
        }
    }
    let start = |i: usize, trigger: Trigger| -> Option<NaiveDate> {
        let own = &items[i].facts;
        // Nothing still in progress is disposed of, nor anything of a household whose case
        // is: its records are in use, whatever their own clock says.
        if own.open {
            return None;
        }
        let Some(case) = household[i].and_then(|h| cases.get(&h)) else {
            return own.day;
        };
        if case.open {
            return None;
        }
        match trigger {
            Trigger::Recorded => own.day,
            Trigger::LastContact | Trigger::CaseClosed => case.last_contact,
            Trigger::PlanFitted => case.fitted.or(case.last_contact),
        }
    };
    // What anything still open belongs to stays, so no open record is taken with it.
    let mut blocked: Vec<bool> = items.iter().map(|item| item.facts.open).collect();
    let mut up: Vec<usize> = (0..items.len()).filter(|&i| blocked[i]).collect();
    while let Some(i) = up.pop() {
        for r in &items[i].facts.references {
            if let Some(&p) = by_id.get(r.as_str())
                && !blocked[p]
            {
                blocked[p] = true;
                up.push(p);
            }
        }
    }
    let rule_of = |i: usize| class_of(&items[i].entity).and_then(|c| schedule.rule(c));
    let mut gone: Vec<bool> = (0..items.len())
        .map(|i| {
            !blocked[i]
                && rule_of(i).is_some_and(|rule| {
                    start(i, rule.trigger)
                        .and_then(|d| Schedule::past(d, rule.keep_months))
                        .is_some_and(|past| past <= today)
                })
        })
        .collect();
    // A record goes with what it belongs to: repeat until nothing more is added (chains
    // are short: a door knock's door's day, a work order's plan's survey).
    loop {
        let mut added = false;
        for i in 0..items.len() {
            if !gone[i]
                && items[i]
                    .facts
                    .references
                    .iter()
                    .any(|r| by_id.get(r.as_str()).is_some_and(|&p| p != i && gone[p]))
            {
                gone[i] = true;
                added = true;
            }
        }
        if !added {
            break;
        }
    }
    let mut outcome = Outcome::default();
    for (i, item) in items.iter().enumerate() {
        if !gone[i] {
            continue;
        }
        let is_held = household[i].is_some_and(|h| held.contains(&items[h].id));
        if is_held {
            outcome.held_back += 1;
            continue;
        }
        let Some(class) = class_of(&item.entity) else {
            continue;
        };
        let action = schedule.rule(class).map_or(Action::Delete, |r| r.action);
        outcome.due.push(Due {
            index: i,
            class,
            action,
        });
    }
    outcome
}

/// What an anonymised record keeps of `fields`: only what the data map classifies as not
/// about a person, or marks as a figure. A field the map covers only by its parts (a survey's `answers`) keeps
/// the parts that are not; a field it does not classify at all is dropped.
pub fn anonymised(
    map: &DataMap,
    entity: &str,
    fields: &BTreeMap<String, Value>,
) -> BTreeMap<String, Value> {
    let not_personal = |name: &str| {
        map.classify(entity, name)
            .map(|e| e.classification == Classification::None || e.figure)
    };
    let mut kept = BTreeMap::new();
    for (name, value) in fields {
        match (not_personal(name), value) {
            (Some(true), _) => {
                kept.insert(name.clone(), value.clone());
            }
            (Some(false), _) => {}
            (None, Value::Object(parts)) => {
                let parts: serde_json::Map<String, Value> = parts
                    .iter()
                    .filter(|(k, _)| not_personal(&format!("{name}.{k}")) == Some(true))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if !parts.is_empty() {
                    kept.insert(name.clone(), Value::Object(parts));
                }
            }
            (None, _) => {}
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::built_in;
    use serde_json::json;

    fn shipped() -> Schedule {
        Schedule::from_toml(built_in::RETENTION.1).unwrap_or_else(|e| panic!("{e}"))
    }

    fn map() -> DataMap {
        DataMap::from_toml(built_in::DATA_MAP.1).unwrap_or_else(|e| panic!("{e}"))
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn item(entity: &str, id: &str, fields: Value) -> Item {
        let fields: BTreeMap<String, Value> = fields
            .as_object()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect();
        Item {
            entity: entity.into(),
            id: id.into(),
            facts: facts(entity, &fields, None),
        }
    }

    fn class_of(entity: &str) -> Option<RetentionClass> {
        map()
            .record(entity)
            .and_then(|r| r.entries.first())
            .map(|e| e.retention)
    }

    /// The ids due on `today`, with their action.
    fn due_on(items: &[Item], held: &[&str], today: &str) -> Vec<(String, Action)> {
        let held = held.iter().map(|h| (*h).to_owned()).collect();
        due(&shipped(), class_of, items, &held, day(today))
            .due
            .into_iter()
            .map(|d| (items[d.index].id.clone(), d.action))
            .collect()
    }

    #[test]
    fn the_shipped_schedule_covers_every_class_in_order() {
        let classes: Vec<RetentionClass> = shipped().rules().iter().map(|r| r.class).collect();
        assert_eq!(classes, RetentionClass::ALL);
    }

    #[test]
    fn a_faulty_schedule_is_refused_with_its_line_and_reason() {
        let good = built_in::RETENTION.1;
        let cases: &[(&str, &str, usize, &str)] = &[
            // (what is changed, to what, the line expected, words in the reason)
            (
                "[class.visit]",
                "[class.visits]",
                0,
                "record class \"visits\" is not one",
            ),
            (
                "keep_months = 12\naction = \"delete\"\n\n[class.audit_log]",
                "keep_months = -3\naction = \"delete\"\n\n[class.audit_log]",
                0,
                "not -3",
            ),
            (
                "trigger = \"plan_fitted\"",
                "trigger = \"plan_fited\"",
                0,
                "trigger \"plan_fited\" is not one of",
            ),
            (
                "action = \"anonymise\"\nnote = \"Visit",
                "action = \"archive\"\nnote = \"Visit",
                0,
                "action \"archive\"",
            ),
            (
                "[class.attachments]\ntrigger = \"case_closed\"\nkeep_months = 24\naction = \"delete\"",
                "[class.attachments]\ntrigger = \"case_closed\"\nkeep_months = 24\naction = \"anonymise\"",
                0,
                "cannot be anonymised",
            ),
            (
                "keep_months = 120",
                "keep_months = 1201",
                0,
                "from 0 to 1200",
            ),
            (
                "keep_months = 120",
                "keep_months = \"ten years\"",
                0,
                "expected i64",
            ),
        ];
        for (from, to, _, words) in cases {
            assert!(good.contains(from), "the shipped file has {from:?}");
            let bad = good.replacen(from, to, 1);
            let err = Schedule::from_toml(&bad).expect_err(to);
            let problem = err
                .problems
                .iter()
                .find(|p| p.reason.contains(words))
                .unwrap_or_else(|| panic!("{to:?}: {err}"));
            let changed_line = bad
                .lines()
                .position(|l| {
                    to.lines()
                        .any(|t| !t.is_empty() && l == t && !good.lines().any(|g| g == l))
                })
                .map(|i| i + 1);
            if let Some(line) = changed_line {
                assert_eq!(problem.line, line, "{to:?}: {err}");
            }
        }
        let missing = good.replace("[class.conflict]", "[unused]");
        assert!(Schedule::from_toml(&missing).is_err());
        let without = Schedule::from_toml(
            "[class.household]\ntrigger = \"last_contact\"\nkeep_months = 1\naction = \"delete\"\n",
        )
        .expect_err("the other classes are missing");
        assert!(
            without.to_string().contains("\"resident\" is missing"),
            "{without}"
        );
    }

    #[test]
    fn periods_read_as_people_say_them() {
        let rule = |m| Rule {
            class: RetentionClass::Visit,
            trigger: Trigger::Recorded,
            keep_months: m,
            action: Action::Delete,
            note: None,
            line: 1,
        };
        for (m, words) in [
            (1, "1 month"),
            (18, "18 months"),
            (12, "1 year"),
            (72, "6 years"),
            (0, "0 months"),
        ] {
            assert_eq!(rule(m).period(), words);
        }
    }

    /// A household helped in March 2020: a visit, a survey with a photo, a plan fitted in
    /// May 2020 with its work order, a CHARLIE check, and a resident.
    fn case(plan_status: &str) -> Vec<Item> {
        vec![
            item("household", "h1", json!({"postcode": "ZZ1 1ZZ"})),
            item(
                "person",
                "p1",
                json!({"household_id": "h1", "full_name": "Ada Example"}),
            ),
            item(
                "visit",
                "v1",
                json!({"household_id": "h1", "visit_date": "2020-03-02"}),
            ),
            item(
                "survey",
                "s1",
                json!({"household_id": "h1", "visit_id": "v1"}),
            ),
            item("survey_photo", "f1", json!({"survey_id": "s1"})),
            item(
                "plan",
                "pl1",
                json!({
                    "survey_id": "s1", "status": plan_status, "created_at": "2020-03-02T10:00:00Z",
                    "history": [{"to": "fitted", "at": "2020-05-20T09:00:00Z"}]
                }),
            ),
            item(
                "work_order",
                "w1",
                json!({"plan_id": "pl1", "household_id": "h1",
                "issued_on": "2020-03-10", "status": "fitted"}),
            ),
            item(
                "charlie_check",
                "c1",
                json!({"household_id": "h1", "person_id": "p1"}),
            ),
        ]
    }

    #[test]
    fn a_closed_case_goes_class_by_class_and_the_figures_are_kept() {
        let items = case("fitted");
        // Photos: two years after the case closed (last contact 20 May 2020).
        assert_eq!(due_on(&items, &[], "2022-05-19"), vec![]);
        assert_eq!(
            due_on(&items, &[], "2022-05-20"),
            vec![("f1".to_owned(), Action::Delete)]
        );
        // Six years on, everything but the CHARLIE check (ten years) — and that goes with
        // its household and resident, since nothing may point at a record that is gone.
        let six = due_on(&items, &[], "2026-05-20");
        let ids: Vec<&str> = six.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["h1", "p1", "v1", "s1", "f1", "pl1", "w1", "c1"]);
        assert!(six.contains(&("pl1".to_owned(), Action::Anonymise)));
        assert!(six.contains(&("h1".to_owned(), Action::Delete)));
    }

    #[test]
    fn an_open_case_is_never_due_and_a_hold_keeps_everything() {
        let open = case("ordered");
        assert_eq!(
            due_on(&open, &[], "2040-01-01"),
            vec![],
            "a case in progress keeps all"
        );
        let closed = case("fitted");
        let held = due(
            &shipped(),
            class_of,
            &closed,
            &HashSet::from(["h1".to_owned()]),
            day("2040-01-01"),
        );
        assert!(held.due.is_empty());
        assert_eq!(held.held_back, closed.len());
        let photo_only = due_on(&case("ordered"), &[], "2026-01-01");
        assert!(
            photo_only.is_empty(),
            "an open case keeps its photos: {photo_only:?}"
        );
    }

    #[test]
    fn a_restricted_household_keeps_everything() {
        let mut items = case("fitted");
        items[0] = item(
            "household",
            "h1",
            json!({"postcode": "ZZ1 1ZZ", "restricted": true}),
        );
        assert_eq!(due_on(&items, &[], "2040-01-01"), vec![]);
    }

    #[test]
    fn a_record_that_belongs_to_no_household_counts_from_its_own_date() {
        let items = vec![
            item("day_of_action", "d1", json!({"date": "2021-06-05"})),
            item("day_door", "dd1", json!({"day_id": "d1"})),
            item(
                "door_knock",
                "k1",
                json!({"day_id": "d1", "door_id": "dd1", "at": "2021-06-05T11:00:00Z"}),
            ),
            item(
                "conflict",
                "x1",
                json!({"entity_id": "gone", "raised_at": "2021-06-05T11:00:00Z", "status": "open"}),
            ),
        ];
        assert_eq!(
            due_on(&items, &[], "2023-06-05"),
            vec![("k1".to_owned(), Action::Anonymise)]
        );
        // The day goes at six years and takes its doors; the open conflict never does.
        let ids: Vec<String> = due_on(&items, &[], "2027-06-05")
            .into_iter()
            .map(|d| d.0)
            .collect();
        assert_eq!(ids, ["d1", "dd1", "k1"]);
        // A record still open keeps what it belongs to: a day whose knock is open stays.
        let mut open = items.clone();
        open[2].facts.open = true;
        assert_eq!(due_on(&open, &[], "2027-06-05"), vec![]);
    }

    #[test]
    fn a_later_change_to_a_record_restarts_its_clock() {
        let fields: BTreeMap<String, Value> = [("visit_date".to_owned(), json!("2020-01-01"))]
            .into_iter()
            .collect();
        assert_eq!(
            facts("visit", &fields, Some(day("2024-02-02"))).day,
            Some(day("2024-02-02"))
        );
        assert_eq!(facts("visit", &fields, None).day, Some(day("2020-01-01")));
    }

    #[test]
    fn chains_of_references_find_their_household_without_recursing() {
        // 10,000 records each belonging to the one before: one household at the root.
        let mut items = vec![item("household", "h0", json!({}))];
        for i in 1..10_000 {
            items.push(item("visit", &format!("r{i}"), json!({"household_id": if i == 1 { "h0".to_owned() } else { format!("r{}", i - 1) }, "visit_date": "2020-01-01"})));
        }
        let by_id: HashMap<&str, usize> = items
            .iter()
            .enumerate()
            .map(|(i, x)| (x.id.as_str(), i))
            .collect();
        let found = households(&items, &by_id);
        assert!(found.iter().all(|h| *h == Some(0)));
    }

    #[test]
    fn an_anonymised_record_keeps_only_what_is_not_about_a_person() {
        let fields: BTreeMap<String, Value> = json!({
            "survey_id": "s1", "tier": "gold", "cap_pence": 50000, "status": "fitted",
            "agreement": {"signature": "ab"}, "items": [{"measure": "lock"}],
            "unheard_of": "dropped"
        })
        .as_object()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .collect();
        let kept = anonymised(&map(), "plan", &fields);
        assert_eq!(kept.get("tier"), Some(&json!("gold")));
        assert!(
            !kept.contains_key("agreement"),
            "the signature is about a person"
        );
        assert!(
            !kept.contains_key("unheard_of"),
            "an unclassified field is dropped"
        );
        let survey: BTreeMap<String, Value> = json!({
            "household_id": "h1",
            "answers": {"crime_ref": "CR/1", "front_door_material": "upvc"}
        })
        .as_object()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .collect();
        let kept = anonymised(&map(), "survey", &survey);
        let answers = kept.get("answers").and_then(Value::as_object);
        assert!(
            answers.is_none_or(|a| !a.contains_key("crime_ref")),
            "{kept:?}"
        );
    }
}
