//! What the console finds a record by: its household, where it is in its lifecycle, the
//! dates the coordinators' lists order and cut by, and the words a search matches. Read
//! from a record's fields when the hub writes it, so a search or a list reads one indexed
//! table instead of parsing every record (ADR 019).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use doorstep_core::privacy::lookup::{dob_word, normalise_phone, phone_word};
use doorstep_core::search::index_words;
use doorstep_core::security::follow_up::{FollowUpPolicy, due_on};
use doorstep_sync::protocol::EntityKind;
use serde_json::Value;

/// Raised when the index's shape or its rules change: the hub rebuilds it on start.
/// 2: a resident is also found by their date of birth and phone number (subject access).
/// 3: the partnership's report facts are written beside it (issue 14).
pub const INDEX_VERSION: &str = "3";

/// The kinds of record a household's timeline and the lists are made of.
pub const INDEXED: &[EntityKind] = &[
    EntityKind::Household,
    EntityKind::Person,
    EntityKind::Visit,
    EntityKind::Survey,
    EntityKind::Plan,
    EntityKind::Cocoon,
    EntityKind::CocoonTarget,
    EntityKind::CharlieCheck,
    EntityKind::Referral,
    EntityKind::WorkOrder,
];

/// A record's row in the case index.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseEntry {
    /// The household it belongs to, when the record names it.
    pub household_id: Option<String>,
    /// The record it belongs to when it does not name its household (a plan's survey, a
    /// cocoon door's cocoon): the household is that record's.
    pub parent: Option<(EntityKind, String)>,
    /// Where it is in its lifecycle (a stored status word).
    pub status: Option<String>,
    /// When it got there, or when it happened (`YYYY-MM-DD`): lists order by it.
    pub since: Option<String>,
    /// When something is due (`YYYY-MM-DD`, or a UTC time `YYYY-MM-DDTHH:MM:SSZ` for a
    /// referral's response): lists cut by it.
    pub due: Option<String>,
    /// When it stops being due (a cocoon's closing day, `YYYY-MM-DD`).
    pub until: Option<String>,
    /// A household's postcode as stored (`ZY5 2AB`).
    pub postcode: Option<String>,
    /// The words a search finds it by (a household's address and UPRN, a resident's name).
    pub words: BTreeSet<String>,
}

/// A record's fields.
pub type Fields = BTreeMap<String, Value>;

fn text<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A stored date or time as its day.
fn day(value: &str) -> Option<String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc).format("%Y-%m-%d").to_string());
    }
    NaiveDate::parse_from_str(value.get(..10)?, "%Y-%m-%d")
        .ok()
        .map(|d| d.to_string())
}

/// A stored time as a UTC time that sorts as text.
pub fn instant(value: &str) -> Option<String> {
    DateTime::parse_from_rfc3339(value).ok().map(|t| {
        t.with_timezone(&Utc)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    })
}

/// The history event that brought a plan to its status, if recorded.
fn entered(fields: &Fields, status: &str) -> Option<DateTime<Utc>> {
    fields
        .get("history")?
        .as_array()?
        .iter()
        .rev()
        .find(|e| e.get("to").and_then(Value::as_str) == Some(status))
        .and_then(|e| e.get("at")?.as_str())
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// The words of a household's address, postcode and UPRN.
fn address_words(fields: &Fields) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for name in [
        "address_line_1",
        "address_line_2",
        "address_line_3",
        "town",
        "postcode",
        "uprn",
    ] {
        if let Some(value) = text(fields, name) {
            words.extend(index_words(value));
        }
    }
    if let Some(postcode) = text(fields, "postcode") {
        words.insert(index_words(postcode).concat());
    }
    words
}

/// The row of a record of `entity` with these fields; `None` for a kind the console does
/// not index, or a record it cannot place.
pub fn entry(
    entity: EntityKind,
    id: &str,
    fields: &Fields,
    follow_up: &FollowUpPolicy,
) -> Option<CaseEntry> {
    let household = if entity == EntityKind::Household {
        Some(id.to_owned())
    } else {
        text(fields, "household_id").map(str::to_owned)
    };
    let mut e = CaseEntry {
        household_id: household,
        ..CaseEntry::default()
    };
    match entity {
        EntityKind::Household => {
            e.postcode = text(fields, "postcode").map(str::to_owned);
            e.words = address_words(fields);
        }
        EntityKind::Person => {
            e.words = text(fields, "full_name")
                .map(|n| index_words(n).into_iter().collect())
                .unwrap_or_default();
            // The DPO finds a person by these too (subject access); their words start with
            // a mark no typed search word can, so the households search never matches them.
            if let Some(born) = text(fields, "date_of_birth")
                .and_then(|d| NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok())
            {
                e.words.insert(dob_word(born));
            }
            if let Some(phone) = text(fields, "phone").and_then(normalise_phone) {
                e.words.insert(phone_word(&phone));
            }
        }
        EntityKind::Visit => {
            e.status = text(fields, "kind").map(str::to_owned);
            e.since = text(fields, "visit_date").and_then(day);
        }
        EntityKind::Survey | EntityKind::CharlieCheck => {
            e.since = text(fields, "created_at").and_then(day);
        }
        EntityKind::Plan => {
            e.parent = text(fields, "survey_id").map(|s| (EntityKind::Survey, s.to_owned()));
            let status = text(fields, "status")?;
            let since = entered(fields, status).or_else(|| {
                text(fields, "created_at")
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc))
            });
            e.since = since.map(|t| t.format("%Y-%m-%d").to_string());
            if status == "fitted" {
                e.due = entered(fields, status).map(|t| due_on(t, follow_up).to_string());
            }
            e.status = Some(status.to_owned());
        }
        EntityKind::Cocoon => {
            e.since = text(fields, "opened_on").and_then(day);
            e.due = text(fields, "visit_by").and_then(day);
            e.until = text(fields, "closes_on").and_then(day);
        }
        EntityKind::CocoonTarget => {
            e.parent = text(fields, "cocoon_id").map(|c| (EntityKind::Cocoon, c.to_owned()));
            e.status = Some(text(fields, "outcome").unwrap_or("pending").to_owned());
        }
        EntityKind::Referral => {
            e.status = text(fields, "status").map(str::to_owned);
            e.since = text(fields, "sent_at")
                .or_else(|| text(fields, "created_at"))
                .and_then(day);
            e.due = text(fields, "due_at").and_then(instant);
        }
        EntityKind::WorkOrder => {
            e.status = text(fields, "status").map(str::to_owned);
            e.since = text(fields, "issued_on").and_then(day);
            e.due = text(fields, "due_date").and_then(day);
        }
        _ => return None,
    }
    (e.household_id.is_some() || e.parent.is_some()).then_some(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> Fields {
        serde_json::from_value(value).unwrap_or_default()
    }

    #[test]
    fn a_household_is_found_by_its_address_postcode_and_uprn() {
        let e = entry(
            EntityKind::Household,
            "h1",
            &fields(json!({
                "address_line_1": "12 Lantern Walk",
                "town": "Northbridge", "postcode": "ZY5 2AB", "uprn": "100012345678"
            })),
            &FollowUpPolicy::default(),
        );
        let e = e.unwrap_or_default();
        assert_eq!(e.household_id.as_deref(), Some("h1"));
        assert_eq!(e.postcode.as_deref(), Some("ZY5 2AB"));
        for w in [
            "12",
            "lantern",
            "walk",
            "northbridge",
            "zy5",
            "2ab",
            "zy52ab",
            "100012345678",
        ] {
            assert!(e.words.contains(w), "{w}");
        }
    }

    #[test]
    fn a_resident_is_found_by_name_date_of_birth_and_phone() {
        let e = entry(
            EntityKind::Person,
            "p1",
            &fields(json!({
                "household_id": "h1", "full_name": "Rowan Testwell",
                "date_of_birth": "1951-03-14", "phone": "+447700900123"
            })),
            &FollowUpPolicy::default(),
        )
        .unwrap_or_default();
        for w in ["rowan", "testwell", "#dob 1951-03-14", "#tel 7700900123"] {
            assert!(e.words.contains(w), "{w} in {:?}", e.words);
        }
        let none = entry(
            EntityKind::Person,
            "p2",
            &fields(json!({"household_id": "h1", "full_name": "Ash", "phone": "not one"})),
            &FollowUpPolicy::default(),
        )
        .unwrap_or_default();
        assert_eq!(none.words.len(), 1, "no date or phone, no words for them");
    }

    #[test]
    fn a_fitted_plan_falls_due_for_follow_up_and_finds_its_household_through_its_survey() {
        let e = entry(
            EntityKind::Plan,
            "p1",
            &fields(json!({
                "survey_id": "s1", "status": "fitted", "created_at": "2026-01-02T10:00:00Z",
                "history": [
                    {"to": "agreed", "at": "2026-01-03T10:00:00Z"},
                    {"to": "fitted", "at": "2026-02-10T09:00:00Z"}
                ]
            })),
            &FollowUpPolicy::default(),
        )
        .unwrap_or_default();
        assert_eq!(e.parent, Some((EntityKind::Survey, "s1".into())));
        assert_eq!(e.since.as_deref(), Some("2026-02-10"));
        assert_eq!(e.due.as_deref(), Some("2026-05-10"));
    }

    #[test]
    fn a_referral_is_due_at_a_time_and_a_door_waits_for_an_outcome() {
        let r = entry(
            EntityKind::Referral,
            "r1",
            &fields(json!({
                "household_id": "h1", "status": "sent",
                "sent_at": "2026-03-01T08:00:00+01:00", "due_at": "2026-03-03T08:00:00+01:00"
            })),
            &FollowUpPolicy::default(),
        )
        .unwrap_or_default();
        assert_eq!(r.due.as_deref(), Some("2026-03-03T07:00:00Z"));
        assert_eq!(r.since.as_deref(), Some("2026-03-01"));
        let d = entry(
            EntityKind::CocoonTarget,
            "d1",
            &fields(json!({"cocoon_id": "c1", "outcome": null})),
            &FollowUpPolicy::default(),
        )
        .unwrap_or_default();
        assert_eq!(d.status.as_deref(), Some("pending"));
    }

    #[test]
    fn records_the_console_cannot_place_are_left_out() {
        let policy = FollowUpPolicy::default();
        assert_eq!(
            entry(EntityKind::Visit, "v1", &fields(json!({})), &policy),
            None
        );
        assert_eq!(
            entry(
                EntityKind::DoorKnock,
                "k1",
                &fields(json!({"household_id": "h"})),
                &policy
            ),
            None
        );
    }
}
