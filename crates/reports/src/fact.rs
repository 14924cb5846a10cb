//! The facts a report is computed from: what each stored record says that a figure needs,
//! read leniently from its fields (a record the retention schedule anonymised keeps only
//! its figure fields, and still counts). One fact per record; the hub keeps them beside the
//! records (`report_facts`), the laptop reads them from its own store.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use doorstep_core::cocoon::CocoonOutcome;
use doorstep_core::fire::day_of_action::DoorOutcomeCode;
use doorstep_core::fire::referral::ReferralStatus;
use doorstep_core::security::lifecycle::PlanStatus;
use doorstep_core::security::policy::Tier;
use doorstep_core::visit::{VisitKind, VisitOutcome};
use doorstep_core::work_order::ItemStatus;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A record's fields, by name.
pub type Fields = BTreeMap<String, Value>;

/// One record's fact: whose it is and what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// The record's id.
    pub id: String,
    /// The team that holds it.
    pub team: String,
    /// What it says.
    pub what: What,
}

/// What a record says that the reports count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "snake_case")]
pub enum What {
    /// A home: where it is.
    Home {
        /// Its UPRN, to match a force's burglary list.
        uprn: Option<String>,
        /// Its postcode, for the area a report is cut by.
        postcode: Option<String>,
    },
    /// A visit.
    Visit {
        /// The household.
        household: Option<String>,
        /// The day.
        date: Option<NaiveDate>,
        /// Why.
        kind: Option<VisitKind>,
        /// What happened.
        outcome: Option<VisitOutcome>,
    },
    /// A home security survey.
    Survey {
        /// The household.
        household: Option<String>,
        /// The visit it was made on.
        visit: Option<String>,
        /// The day of the burglary, for a victim's survey.
        burglary: Option<NaiveDate>,
        /// How safe the resident felt, 1 to 5.
        feel_safe: Option<u8>,
    },
    /// An improvement plan.
    Plan {
        /// The survey it answers.
        survey: Option<String>,
        /// The tier.
        tier: Option<Tier>,
        /// Where it is.
        status: Option<PlanStatus>,
        /// Drawn up.
        created: Option<NaiveDate>,
        /// The day it first reached each status.
        reached: BTreeMap<PlanStatus, NaiveDate>,
        /// What it costs: actual where known, else estimated.
        cost_pence: u64,
        /// The tier's cap.
        cap_pence: Option<u64>,
        /// How safe the resident felt at the survey, as the follow-up recorded it.
        feel_safe_before: Option<u8>,
        /// How safe the resident felt at the follow-up, 1 to 5.
        feel_safe_after: Option<u8>,
    },
    /// A work order's items.
    WorkOrder {
        /// The household.
        household: Option<String>,
        /// The items fitted: measure, how many, the day.
        fitted: Vec<FittedItem>,
    },
    /// A cocoon around a burgled home.
    Cocoon {
        /// The burgled home.
        household: Option<String>,
        /// Opened.
        opened: Option<NaiveDate>,
    },
    /// A neighbour's door in a cocoon.
    CocoonDoor {
        /// The cocoon.
        cocoon: Option<String>,
        /// The neighbour's home.
        uprn: Option<String>,
        /// What happened.
        outcome: Option<CocoonOutcome>,
    },
    /// A day of action.
    DayOfAction {
        /// The day.
        date: Option<NaiveDate>,
    },
    /// A knock at a door on a day of action.
    Knock {
        /// The day of action.
        day: Option<String>,
        /// The door.
        uprn: Option<String>,
        /// What happened.
        outcomes: Vec<DoorOutcomeCode>,
        /// Smoke alarms fitted.
        alarms_fitted: u32,
        /// Referrals made.
        referrals_made: u32,
        /// When.
        at: Option<DateTime<Utc>>,
    },
    /// A CHARLIE check.
    Charlie {
        /// The household.
        household: Option<String>,
        /// The day.
        date: Option<NaiveDate>,
        /// The resident is elderly (the E of CHARLIE scored).
        elderly: bool,
        /// The resident has reduced mobility (the R scored).
        reduced_mobility: bool,
    },
    /// A referral to a partner agency.
    Referral {
        /// The household.
        household: Option<String>,
        /// The agency.
        agency: Option<String>,
        /// Where it is.
        status: Option<ReferralStatus>,
        /// Made.
        created: Option<NaiveDate>,
        /// Delivered to the agency.
        sent: Option<DateTime<Utc>>,
        /// The agency's first answer (acknowledged, accepted, declined or no contact).
        answered: Option<DateTime<Utc>>,
    },
}

impl What {
    /// The stored kind of record this fact is read from (`plan`, `door_knock`, …).
    pub fn entity(&self) -> &'static str {
        match self {
            Self::Home { .. } => "household",
            Self::Visit { .. } => "visit",
            Self::Survey { .. } => "survey",
            Self::Plan { .. } => "plan",
            Self::WorkOrder { .. } => "work_order",
            Self::Cocoon { .. } => "cocoon",
            Self::CocoonDoor { .. } => "cocoon_target",
            Self::DayOfAction { .. } => "day_of_action",
            Self::Knock { .. } => "door_knock",
            Self::Charlie { .. } => "charlie_check",
            Self::Referral { .. } => "referral",
        }
    }
}

impl Fact {
    /// The latest day the fact carries: a report for a period starting on or before it may
    /// count it. `None` for a fact counted only through another (a home, a survey, a door).
    pub fn last_day(&self) -> Option<NaiveDate> {
        match &self.what {
            What::Home { .. } | What::Survey { .. } | What::CocoonDoor { .. } => None,
            What::Visit { date, .. }
            | What::Cocoon { opened: date, .. }
            | What::DayOfAction { date }
            | What::Charlie { date, .. } => *date,
            What::Plan {
                created, reached, ..
            } => reached.values().copied().chain(*created).max(),
            What::WorkOrder { fitted, .. } => fitted.iter().filter_map(|i| i.on).max(),
            What::Knock { at, .. } => at.map(|t| t.date_naive()),
            What::Referral {
                created,
                sent,
                answered,
                ..
            } => [
                *created,
                sent.map(|t| t.date_naive()),
                answered.map(|t| t.date_naive()),
            ]
            .into_iter()
            .flatten()
            .max(),
        }
    }

    /// The record a fact is counted through: a survey's visit, a door's cocoon, a knock's day
    /// of action, a plan's survey.
    pub fn parent(&self) -> Option<&str> {
        match &self.what {
            What::Survey { visit, .. } => visit.as_deref(),
            What::CocoonDoor { cocoon, .. } => cocoon.as_deref(),
            What::Knock { day, .. } => day.as_deref(),
            What::Plan { survey, .. } => survey.as_deref(),
            _ => None,
        }
    }

    /// The household the record names itself.
    pub fn household(&self) -> Option<&str> {
        match &self.what {
            What::Home { .. } => Some(&self.id),
            What::Visit { household, .. }
            | What::Survey { household, .. }
            | What::WorkOrder { household, .. }
            | What::Cocoon { household, .. }
            | What::Charlie { household, .. }
            | What::Referral { household, .. } => household.as_deref(),
            _ => None,
        }
    }
}

/// One item a fitter recorded as fitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FittedItem {
    /// The catalogue measure.
    pub measure: String,
    /// How many.
    pub quantity: u32,
    /// The day.
    pub on: Option<NaiveDate>,
}

fn text<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn owned(fields: &Fields, name: &str) -> Option<String> {
    text(fields, name).map(str::to_owned)
}

fn parsed<T: for<'de> Deserialize<'de>>(value: Option<&Value>) -> Option<T> {
    value.and_then(|v| serde_json::from_value(v.clone()).ok())
}

fn field<T: for<'de> Deserialize<'de>>(fields: &Fields, name: &str) -> Option<T> {
    parsed(fields.get(name))
}

fn instant(value: Option<&Value>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value?.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A stored day or time as its day (a time by its UTC date).
fn day(value: Option<&Value>) -> Option<NaiveDate> {
    let s = value?.as_str()?;
    instant(value)
        .map(|t| t.date_naive())
        .or_else(|| NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok())
}

/// A survey answer (`{"type": …, "value": …}`) as a whole number from 1 to 5.
fn score(value: Option<&Value>) -> Option<u8> {
    let n = value?.get("value")?.as_f64()?;
    // In range and whole, so the cast is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    ((1.0..=5.0).contains(&n) && n.fract() == 0.0).then_some(n as u8)
}

fn one_to_five(value: Option<&Value>) -> Option<u8> {
    value
        .and_then(Value::as_u64)
        .and_then(|n| u8::try_from(n).ok())
        .filter(|n| (1..=5).contains(n))
}

fn u32_of(value: Option<&Value>) -> u32 {
    value
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

/// The day each status was first reached, from a lifecycle's history.
fn reached<S: Ord + for<'de> Deserialize<'de>>(history: Option<&Value>) -> BTreeMap<S, NaiveDate> {
    let mut out = BTreeMap::new();
    for event in history.and_then(Value::as_array).into_iter().flatten() {
        if let (Some(to), Some(at)) = (parsed::<S>(event.get("to")), day(event.get("at"))) {
            out.entry(to).or_insert(at);
        }
    }
    out
}

fn plan_cost(items: Option<&Value>) -> u64 {
    items
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|item| {
            let n = |name: &str| item.get(name).and_then(Value::as_u64);
            n("actual_cost_pence").unwrap_or_else(|| {
                n("unit_cost_pence")
                    .unwrap_or(0)
                    .saturating_mul(n("quantity").unwrap_or(0))
            })
        })
        .sum()
}

fn fitted_items(items: Option<&Value>) -> Vec<FittedItem> {
    items
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|item| parsed::<ItemStatus>(item.get("status")) == Some(ItemStatus::Fitted))
        .filter_map(|item| {
            Some(FittedItem {
                measure: item.get("measure_id")?.as_str()?.to_owned(),
                quantity: u32_of(item.get("quantity")),
                on: day(item.get("fitted_at")),
            })
        })
        .collect()
}

fn charlie_scored(factors: Option<&Value>, factor: &str) -> bool {
    factors
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|f| {
            f.get("factor").and_then(Value::as_str) == Some(factor)
                && f.get("score").and_then(Value::as_u64).unwrap_or(0) > 0
        })
}

/// The first time a referral's agency answered it.
fn answered(history: Option<&Value>) -> Option<DateTime<Utc>> {
    history
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| {
            matches!(
                parsed::<ReferralStatus>(e.get("to")),
                Some(
                    ReferralStatus::Acknowledged
                        | ReferralStatus::Accepted
                        | ReferralStatus::Declined
                        | ReferralStatus::NoContact
                )
            )
        })
        .filter_map(|e| instant(e.get("at")))
        .min()
}

/// The fact a record of `entity` (its stored kind: `plan`, `door_knock`, …) says, or `None`
/// for a kind the reports do not count.
pub fn from_record(entity: &str, id: &str, team: &str, fields: &Fields) -> Option<Fact> {
    let what = match entity {
        "household" => What::Home {
            uprn: owned(fields, "uprn"),
            postcode: owned(fields, "postcode"),
        },
        "visit" => What::Visit {
            household: owned(fields, "household_id"),
            date: day(fields.get("visit_date")),
            kind: field(fields, "kind"),
            outcome: field(fields, "outcome"),
        },
        "survey" => What::Survey {
            household: owned(fields, "household_id"),
            visit: owned(fields, "visit_id"),
            burglary: fields
                .get("answers.burglary_date")
                .and_then(|a| day(a.get("value"))),
            feel_safe: score(fields.get("answers.feel_safe")),
        },
        "plan" => What::Plan {
            survey: owned(fields, "survey_id"),
            tier: field(fields, "tier"),
            status: field(fields, "status"),
            created: day(fields.get("created_at")),
            reached: reached(fields.get("history")),
            cost_pence: plan_cost(fields.get("items")),
            cap_pence: fields.get("cap_pence").and_then(Value::as_u64),
            feel_safe_before: fields
                .get("follow_up")
                .and_then(|f| one_to_five(f.get("feeling_safe_before"))),
            feel_safe_after: fields
                .get("follow_up")
                .and_then(|f| f.get("findings"))
                .and_then(|f| one_to_five(f.get("feeling_safe"))),
        },
        "work_order" => What::WorkOrder {
            household: owned(fields, "household_id"),
            fitted: fitted_items(fields.get("items")),
        },
        "cocoon" => What::Cocoon {
            household: owned(fields, "household_id"),
            opened: day(fields.get("opened_on")),
        },
        "cocoon_target" => What::CocoonDoor {
            cocoon: owned(fields, "cocoon_id"),
            uprn: owned(fields, "uprn"),
            outcome: field(fields, "outcome"),
        },
        "day_of_action" => What::DayOfAction {
            date: day(fields.get("date")),
        },
        "door_knock" => What::Knock {
            day: owned(fields, "day_id"),
            uprn: owned(fields, "uprn"),
            outcomes: field(fields, "outcomes").unwrap_or_default(),
            alarms_fitted: u32_of(fields.get("alarms_fitted")),
            referrals_made: u32_of(fields.get("referrals_made")),
            at: instant(fields.get("at")),
        },
        "charlie_check" => What::Charlie {
            household: owned(fields, "household_id"),
            date: fields
                .get("factors")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|f| day(f.get("at")))
                .min(),
            elderly: charlie_scored(fields.get("factors"), "elderly"),
            reduced_mobility: charlie_scored(fields.get("factors"), "reduced_mobility"),
        },
        "referral" => What::Referral {
            household: owned(fields, "household_id"),
            agency: owned(fields, "agency_id"),
            status: field(fields, "status"),
            created: day(fields.get("created_at")),
            sent: instant(fields.get("sent_at")),
            answered: answered(fields.get("history")),
        },
        _ => return None,
    };
    Some(Fact {
        id: id.to_owned(),
        team: team.to_owned(),
        what,
    })
}

/// The kinds of record [`from_record`] reads (each [`What::entity`]).
pub const COUNTED: &[&str] = &[
    "household",
    "visit",
    "survey",
    "plan",
    "work_order",
    "cocoon",
    "cocoon_target",
    "day_of_action",
    "door_knock",
    "charlie_check",
    "referral",
];
