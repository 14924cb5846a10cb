//! A household's timeline: its records as dated entries for a person to read, newest
//! first, each with the few facts a coordinator needs and, for plans, referrals and work
//! orders, every step of their history. Read from the hub's copy of the fields, so a field
//! a record lacks is left out rather than guessed.

use doorstep_core::cocoon::{CocoonOutcome, Dosage};
use doorstep_core::words::sentence_case;
use doorstep_sync::protocol::EntityKind;
use serde_json::Value;

use super::CaseRecord;
use super::index::Fields;

/// The household at the top of its page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HouseholdSummary {
    /// Its address, a line each (the postcode last).
    pub address: Vec<String>,
    /// Its first address line and postcode, for a heading.
    pub heading: String,
    /// Its UPRN, when known.
    pub uprn: Option<String>,
    /// Its residents' names.
    pub residents: Vec<String>,
}

/// One dated entry of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    /// The day (`YYYY-MM-DD`), empty when the record carries none.
    pub date: String,
    /// What it is, e.g. "Plan (silver), approved".
    pub title: String,
    /// Its own page in the console, when it has one (a plan's).
    pub href: Option<String>,
    /// Its facts, one sentence each.
    pub lines: Vec<String>,
    /// Its steps, oldest first, one sentence each.
    pub history: Vec<String>,
}

fn text<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn day(value: &str) -> String {
    value.get(..10).unwrap_or(value).to_owned()
}

/// The first line and postcode of an address: how people name a home.
pub fn address_heading(fields: &Fields) -> String {
    [text(fields, "address_line_1"), text(fields, "postcode")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

/// The summary of a household from its own record and its residents'.
pub fn summary(records: &[CaseRecord]) -> HouseholdSummary {
    let mut s = HouseholdSummary::default();
    for r in records {
        match r.entity {
            EntityKind::Household => {
                s.address = [
                    "address_line_1",
                    "address_line_2",
                    "address_line_3",
                    "town",
                    "postcode",
                ]
                .iter()
                .filter_map(|f| text(&r.fields, f).map(str::to_owned))
                .collect();
                s.heading = address_heading(&r.fields);
                s.uprn = r.fields.get("uprn").and_then(|u| match u {
                    Value::String(s) if !s.is_empty() => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                });
            }
            EntityKind::Person => {
                if let Some(name) = text(&r.fields, "full_name") {
                    s.residents.push(name.to_owned());
                }
            }
            _ => {}
        }
    }
    s.residents.sort();
    s
}

/// A step of a plan's or a referral's history in words.
pub fn step_line(event: &Value) -> Option<String> {
    let at = day(event.get("at")?.as_str()?);
    let to = sentence_case(event.get("to")?.as_str()?);
    let step = event.get("step");
    let name = step
        .and_then(|s| s.get("step").or(Some(s)))
        .and_then(Value::as_str)
        .map(sentence_case)
        .unwrap_or_default();
    let role = event
        .get("by")
        .and_then(|b| b.get("role"))
        .or_else(|| event.get("role"))
        .and_then(Value::as_str)
        .map(|r| format!(" by the {}", r.replace('_', " ")))
        .unwrap_or_default();
    let reason = step
        .and_then(|s| s.get("reason"))
        .and_then(Value::as_str)
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    let name = if name.is_empty() { to.clone() } else { name };
    Some(format!(
        "{at}: {name} (now {}){role}{reason}",
        to.to_lowercase()
    ))
}

fn history(fields: &Fields) -> Vec<String> {
    fields
        .get("history")
        .and_then(Value::as_array)
        .map(|events| events.iter().filter_map(step_line).collect())
        .unwrap_or_default()
}

/// The entry of one record, or none for a kind shown elsewhere (the household and its
/// residents head the page; a cocoon's doors count under their cocoon).
fn entry(record: &CaseRecord, all: &[CaseRecord]) -> Option<TimelineEntry> {
    let f = &record.fields;
    let status = text(f, "status").map(sentence_case);
    let mut lines = Vec::new();
    let (date, title) = match record.entity {
        EntityKind::Visit => {
            let kind = text(f, "kind")
                .map(sentence_case)
                .unwrap_or_else(|| "Visit".into());
            if let Some(outcome) = text(f, "outcome") {
                lines.push(format!(
                    "Outcome: {}",
                    sentence_case(outcome).to_lowercase()
                ));
            }
            if let Some(officer) = text(f, "officer_name") {
                lines.push(format!("By {officer}"));
            }
            if let Some(notes) = text(f, "notes") {
                lines.push(format!("Notes: {notes}"));
            }
            (
                text(f, "visit_date"),
                format!("Visit: {}", kind.to_lowercase()),
            )
        }
        EntityKind::Survey => (text(f, "created_at"), "Home security survey".to_owned()),
        EntityKind::Plan => {
            let tier = text(f, "tier")
                .map(|t| format!(" ({t})"))
                .unwrap_or_default();
            if let Some(follow_up) = follow_up_due(record) {
                lines.push(format!("Follow-up due {follow_up}"));
            }
            (
                text(f, "created_at"),
                format!(
                    "Plan{tier}: {}",
                    status.clone().unwrap_or_default().to_lowercase()
                ),
            )
        }
        EntityKind::CharlieCheck => {
            let level = text(f, "level").map(sentence_case).unwrap_or_default();
            let at = f
                .get("factors")
                .and_then(Value::as_array)
                .and_then(|fs| fs.first())
                .and_then(|s| s.get("at"))
                .and_then(Value::as_str);
            (
                at,
                format!("CHARLIE fire-risk check: {} risk", level.to_lowercase()),
            )
        }
        EntityKind::Referral => {
            let agency = text(f, "agency_id").unwrap_or("an agency");
            if let Some(urgency) = text(f, "urgency") {
                lines.push(format!(
                    "Urgency: {}",
                    sentence_case(urgency).to_lowercase()
                ));
            }
            if let Some(due) = text(f, "due_at") {
                lines.push(format!("Response due {}", day(due)));
            }
            (
                text(f, "created_at"),
                format!(
                    "Referral to {agency}: {}",
                    status.clone().unwrap_or_default().to_lowercase()
                ),
            )
        }
        EntityKind::WorkOrder => {
            let number = text(f, "number").unwrap_or("");
            let firm = f
                .get("firm")
                .and_then(|firm| firm.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("a firm");
            lines.push(format!("Firm: {firm}"));
            if let Some(due) = text(f, "due_date") {
                lines.push(format!("Due {due}"));
            }
            if let Some(appointment) = text(f, "appointment_date") {
                lines.push(format!("Appointment {appointment}"));
            }
            if let Some(reason) = text(f, "decline_reason") {
                lines.push(format!("Declined: {reason}"));
            }
            let label = text(f, "status")
                .and_then(doorstep_core::work_order::WorkOrderStatus::parse)
                .map(|s| s.label().to_owned())
                .unwrap_or_default();
            (
                text(f, "issued_on"),
                format!("Work order {number}: {label}"),
            )
        }
        EntityKind::Cocoon => {
            let doors: Vec<Option<CocoonOutcome>> = all
                .iter()
                .filter(|r| {
                    r.entity == EntityKind::CocoonTarget
                        && text(&r.fields, "cocoon_id") == Some(record.id.as_str())
                })
                .map(|r| text(&r.fields, "outcome").and_then(CocoonOutcome::parse))
                .collect();
            let dosage = Dosage::of(doors);
            lines.push(format!(
                "{} of {} neighbours' doors tried, {} reached ({}%)",
                dosage.attempted,
                dosage.targets,
                dosage.reached,
                dosage.reached_percent()
            ));
            if let Some(by) = text(f, "visit_by") {
                lines.push(format!("Doors to be tried by {by}"));
            }
            if let Some(closes) = text(f, "closes_on") {
                lines.push(format!("Closes {closes}"));
            }
            (
                text(f, "opened_on"),
                "Cocoon of neighbours' doors".to_owned(),
            )
        }
        _ => return None,
    };
    Some(TimelineEntry {
        date: date.map(day).unwrap_or_default(),
        href: (record.entity == EntityKind::Plan).then(|| format!("/console/plans/{}", record.id)),
        title,
        lines,
        history: history(f),
    })
}

/// When a fitted plan's follow-up falls due, as the index dated it.
fn follow_up_due(record: &CaseRecord) -> Option<String> {
    super::index::entry(
        record.entity,
        &record.id,
        &record.fields,
        super::follow_up_policy(),
    )?
    .due
}

/// The household's timeline, newest first.
pub fn timeline(records: &[CaseRecord]) -> Vec<TimelineEntry> {
    let mut entries: Vec<TimelineEntry> =
        records.iter().filter_map(|r| entry(r, records)).collect();
    entries.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.title.cmp(&b.title)));
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(entity: EntityKind, id: &str, fields: Value) -> CaseRecord {
        CaseRecord {
            entity,
            id: id.to_owned(),
            team_id: "north".to_owned(),
            fields: serde_json::from_value(fields).unwrap_or_default(),
        }
    }

    #[test]
    fn a_household_reads_newest_first_with_its_steps() {
        let records = [
            record(
                EntityKind::Household,
                "h",
                json!({"address_line_1": "12 Lantern Walk", "town": "Northbridge", "postcode": "ZY5 2AB", "uprn": "100012345678"}),
            ),
            record(
                EntityKind::Person,
                "p",
                json!({"household_id": "h", "full_name": "Ada Example"}),
            ),
            record(
                EntityKind::Visit,
                "v",
                json!({"household_id": "h", "kind": "security_survey", "visit_date": "2026-03-01", "outcome": "completed"}),
            ),
            record(
                EntityKind::Plan,
                "pl",
                json!({"survey_id": "s", "tier": "silver", "status": "agreed", "created_at": "2026-03-02T10:00:00Z",
                       "history": [{"from": "draft", "to": "agreed", "step": {"step": "agree"}, "by": {"role": "officer"}, "at": "2026-03-03T10:00:00Z"}]}),
            ),
            record(
                EntityKind::Cocoon,
                "c",
                json!({"household_id": "h", "opened_on": "2026-03-01", "visit_by": "2026-03-08", "closes_on": "2026-03-29"}),
            ),
            record(
                EntityKind::CocoonTarget,
                "d1",
                json!({"cocoon_id": "c", "outcome": null}),
            ),
        ];
        let s = summary(&records);
        assert_eq!(s.heading, "12 Lantern Walk, ZY5 2AB");
        assert_eq!(s.residents, ["Ada Example"]);
        assert_eq!(s.uprn.as_deref(), Some("100012345678"));
        let t = timeline(&records);
        let titles: Vec<&str> = t.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Plan (silver): agreed",
                "Cocoon of neighbours' doors",
                "Visit: security survey"
            ]
        );
        assert_eq!(
            t[0].history,
            ["2026-03-03: Agree (now agreed) by the officer"]
        );
        assert_eq!(
            t[1].lines[0],
            "0 of 1 neighbours' doors tried, 0 reached (0%)"
        );
    }
}
