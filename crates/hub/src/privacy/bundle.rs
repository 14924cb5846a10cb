//! The answer to a subject access request: the records the hub holds about a household
//! or resident, with the details of the people the DPO leaves out (other residents, by
//! default) taken out, as JSON or CSV. Pure: the records come in, the bundle goes out.
//!
//! Leaving a resident out removes their own record, every record that is about them alone
//! (their CHARLIE checks, their referrals), and every text elsewhere that holds their name,
//! phone number or email address, which is replaced by `[redacted]`.

use std::collections::{BTreeMap, BTreeSet};

use doorstep_sync::protocol::EntityKind;
use serde::Serialize;
use serde_json::{Map, Value};

/// What stands in for a detail left out.
pub const REDACTED: &str = "[redacted]";

/// One record as the hub holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// Its kind.
    pub entity: EntityKind,
    /// Its id.
    pub id: String,
    /// Its fields.
    pub fields: BTreeMap<String, Value>,
}

/// A resident of the household, for the review screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resident {
    /// Their record's id.
    pub id: String,
    /// Their name.
    pub name: String,
    /// Whether the request is theirs (never left out by default).
    pub subject: bool,
}

/// The residents among `records`, the subject first.
pub fn residents(records: &[Held], subject: Option<&str>) -> Vec<Resident> {
    let mut out: Vec<Resident> = records
        .iter()
        .filter(|r| r.entity == EntityKind::Person)
        .map(|r| Resident {
            id: r.id.clone(),
            name: r
                .fields
                .get("full_name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            subject: subject == Some(r.id.as_str()),
        })
        .collect();
    out.sort_by(|a, b| b.subject.cmp(&a.subject).then(a.name.cmp(&b.name)));
    out
}

/// A record in the bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BundleRecord {
    /// What it is, in words ("Resident", "Visit").
    pub kind: &'static str,
    /// Its wire name.
    pub entity: &'static str,
    /// Its id.
    pub id: String,
    /// Its fields, with what was left out replaced.
    pub fields: Map<String, Value>,
}

/// The bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bundle {
    /// The council's reference for the request.
    pub reference: String,
    /// When it was produced (RFC 3339).
    pub produced_at: String,
    /// The records, in kind order.
    pub records: Vec<BundleRecord>,
    /// What was left out, in words, without the details.
    pub left_out: Vec<String>,
    /// Who received the data (agencies, firms), as the request's answer must say.
    pub recipients: Vec<String>,
    /// The purposes, retention and rights the answer must give.
    pub notice: Vec<&'static str>,
}

/// What the answer tells the person beside their data (UK GDPR Art. 15(1)).
pub const NOTICE: &[&str] = &[
    "Purpose: the council's community safety partnership records home security surveys, improvement plans, fire safety checks and referrals to protect residents from burglary and fire (a task in the public interest).",
    "Retention: each kind of record is kept for the period the council's retention schedule sets, then deleted or made anonymous.",
    "Your rights: you may ask for your data to be corrected, erased or restricted, and object to its use.",
    "You may complain to the Information Commissioner's Office (ico.org.uk) if you are unhappy with how your data is handled.",
    "Source: the data was recorded by council officers, wardens and fire crews at visits, and by the agencies and firms named here.",
    "No decision about you is made by automated means alone.",
];

/// The words for a kind of record, as the answer and its review screen name it.
pub fn kind_words(entity: EntityKind) -> &'static str {
    match entity {
        EntityKind::Household => "Household",
        EntityKind::Person => "Resident",
        EntityKind::Visit => "Visit",
        EntityKind::Survey => "Home security survey",
        EntityKind::SurveyPhoto => "Survey photo",
        EntityKind::Plan => "Improvement plan",
        EntityKind::Cocoon => "Cocoon",
        EntityKind::CocoonTarget => "Cocoon door",
        EntityKind::CharlieCheck => "CHARLIE check",
        EntityKind::Referral => "Referral",
        EntityKind::DayOfAction => "Day of action",
        EntityKind::DayDoor => "Day of action door",
        EntityKind::DoorKnock => "Door knock",
        EntityKind::Conflict => "Conflicting edit",
        EntityKind::WorkOrder => "Work order",
    }
}

/// Replaces every occurrence of each of `words` in the texts of `value`.
fn redact(value: &mut Value, words: &[String]) {
    match value {
        Value::String(s) => {
            for word in words {
                if s.contains(word.as_str()) {
                    *s = s.replace(word.as_str(), REDACTED);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact(v, words)),
        Value::Object(map) => map.values_mut().for_each(|v| redact(v, words)),
        _ => {}
    }
}

/// The bundle of `records` for request `reference`, leaving out the residents in
/// `left_out` (their ids). Conflicts, which hold two people's edits side by side, are
/// left out whole.
pub fn bundle(
    reference: &str,
    produced_at: &str,
    records: &[Held],
    left_out: &BTreeSet<String>,
    recipients: Vec<String>,
) -> Bundle {
    let mut words: Vec<String> = records
        .iter()
        .filter(|r| r.entity == EntityKind::Person && left_out.contains(&r.id))
        .flat_map(|r| {
            ["full_name", "phone", "email"]
                .iter()
                .filter_map(|f| r.fields.get(*f).and_then(Value::as_str))
                .filter(|s| s.chars().count() >= 3)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    // Longest first, so a full name goes before a part of it.
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    let mut dropped: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut kept = Vec::new();
    // A record left out takes what belongs to it (a left-out survey's photos, say): found
    // again and again until nothing is added, as a transfer finds what belongs to a record.
    let mut gone: BTreeSet<&str> = left_out.iter().map(String::as_str).collect();
    loop {
        let more: Vec<&str> = records
            .iter()
            .filter(|r| !gone.contains(r.id.as_str()))
            .filter(|r| {
                r.fields.iter().any(|(name, value)| {
                    name.ends_with("_id")
                        && name != "household_id"
                        && value.as_str().is_some_and(|v| gone.contains(v))
                })
            })
            .map(|r| r.id.as_str())
            .collect();
        if more.is_empty() {
            break;
        }
        gone.extend(more);
    }
    for r in records {
        let about_someone_left_out = gone.contains(r.id.as_str());
        if about_someone_left_out || r.entity == EntityKind::Conflict {
            *dropped.entry(kind_words(r.entity)).or_default() += 1;
            continue;
        }
        let mut fields = Value::Object(r.fields.clone().into_iter().collect());
        redact(&mut fields, &words);
        kept.push(BundleRecord {
            kind: kind_words(r.entity),
            entity: r.entity.as_str(),
            id: r.id.clone(),
            fields: match fields {
                Value::Object(map) => map,
                _ => Map::new(),
            },
        });
    }
    kept.sort_by(|a, b| a.entity.cmp(b.entity).then(a.id.cmp(&b.id)));
    let mut said: Vec<String> = dropped
        .into_iter()
        .map(|(kind, n)| {
            format!(
                "{n} {kind} record{} about someone else",
                if n == 1 { "" } else { "s" }
            )
        })
        .collect();
    if !words.is_empty() {
        said.push(format!(
            "Other people's names and contact details replaced by {REDACTED}"
        ));
    }
    Bundle {
        reference: reference.to_owned(),
        produced_at: produced_at.to_owned(),
        records: kept,
        left_out: said,
        recipients,
        notice: NOTICE.to_vec(),
    }
}

/// The photos and signatures the bundle's records name (SHA-256, lowercase hex), once
/// each: a field `sha256`, or any text `sha256:<hex>` (a plan's signature, a fitter's photo).
pub fn attachment_hashes(bundle: &Bundle) -> BTreeSet<String> {
    fn walk(name: &str, value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::String(s) => {
                let hex = s
                    .strip_prefix("sha256:")
                    .or((name == "sha256").then_some(s.as_str()));
                if let Some(hex) = hex.filter(|h| doorstep_sync::protocol::is_sha256_hex(h)) {
                    out.insert(hex.to_owned());
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(name, v, out)),
            Value::Object(map) => map.iter().for_each(|(k, v)| walk(k, v, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for r in &bundle.records {
        for (name, value) in &r.fields {
            walk(name, value, &mut out);
        }
    }
    out
}

/// The bundle as CSV: a row per field (nested values as JSON), every cell made safe for a
/// spreadsheet.
pub fn to_csv(bundle: &Bundle) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["kind", "record", "field", "value"])?;
    for r in &bundle.records {
        for (field, value) in &r.fields {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            out.write_record([
                r.kind,
                r.id.as_str(),
                field.as_str(),
                doorstep_core::text::spreadsheet_safe(&text).as_ref(),
            ])?;
        }
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn held(entity: EntityKind, id: &str, fields: Value) -> Held {
        Held {
            entity,
            id: id.into(),
            fields: fields
                .as_object()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .collect(),
        }
    }

    fn household() -> Vec<Held> {
        vec![
            held(
                EntityKind::Household,
                "h1",
                json!({"address_line_1": "8 Shared Row"}),
            ),
            held(
                EntityKind::Person,
                "ann",
                json!({"household_id": "h1", "full_name": "Ann Asker", "phone": "07700 900001"}),
            ),
            held(
                EntityKind::Person,
                "bo",
                json!({"household_id": "h1", "full_name": "Bo Bystander", "phone": "07700 900002"}),
            ),
            held(
                EntityKind::CharlieCheck,
                "c-bo",
                json!({"person_id": "bo", "household_id": "h1", "answers": {"alcohol": true}}),
            ),
            held(
                EntityKind::Referral,
                "r-ann",
                json!({"person_id": "ann", "household_id": "h1", "reasons": ["Lives with Bo Bystander, who smokes"]}),
            ),
            held(
                EntityKind::Visit,
                "v1",
                json!({"household_id": "h1", "notes": "Spoke to Bo Bystander on 07700 900002 and Ann Asker"}),
            ),
            held(
                EntityKind::Conflict,
                "x1",
                json!({"entity_id": "v1", "kept_by": "Officer"}),
            ),
        ]
    }

    #[test]
    fn another_residents_details_are_left_out_and_replaced() {
        let left_out: BTreeSet<String> = ["bo".to_owned()].into();
        let b = bundle(
            "SAR-1",
            "2026-12-07T10:00:00Z",
            &household(),
            &left_out,
            vec![],
        );
        let text = serde_json::to_string(&b).unwrap_or_default();
        for gone in ["Bo Bystander", "07700 900002", "alcohol", "c-bo"] {
            assert!(!text.contains(gone), "{gone} is in the bundle: {text}");
        }
        for kept in [
            "Ann Asker",
            "07700 900001",
            "8 Shared Row",
            "r-ann",
            "[redacted]",
        ] {
            assert!(text.contains(kept), "{kept} is missing: {text}");
        }
        assert_eq!(
            b.left_out,
            vec![
                "1 CHARLIE check record about someone else",
                "1 Conflicting edit record about someone else",
                "1 Resident record about someone else",
                "Other people's names and contact details replaced by [redacted]",
            ]
        );
    }

    #[test]
    fn only_the_photos_of_records_kept_come_with_the_answer() {
        let (a, b, c) = ("a".repeat(64), "b".repeat(64), "c".repeat(64));
        let mut records = household();
        records.extend([
            held(
                EntityKind::Survey,
                "s-bo",
                json!({"household_id": "h1", "person_id": "bo"}),
            ),
            held(
                EntityKind::SurveyPhoto,
                "ph-bo",
                json!({"survey_id": "s-bo", "sha256": a}),
            ),
            held(EntityKind::Survey, "s1", json!({"household_id": "h1"})),
            held(
                EntityKind::SurveyPhoto,
                "ph1",
                json!({"survey_id": "s1", "sha256": b}),
            ),
            held(
                EntityKind::Plan,
                "p1",
                json!({"survey_id": "s1", "agreement": {"signature_ref": format!("sha256:{c}")}}),
            ),
        ]);
        let left_out: BTreeSet<String> = ["bo".to_owned()].into();
        let bundle = bundle("SAR-3", "t", &records, &left_out, vec![]);
        assert_eq!(
            attachment_hashes(&bundle),
            [b.clone(), c.clone()].into(),
            "the left-out resident's survey takes its photo with it; the signature comes"
        );
        assert!(!bundle.records.iter().any(|r| r.id == "ph-bo"));
    }

    #[test]
    fn the_subject_comes_first_among_residents() {
        let r = residents(&household(), Some("bo"));
        assert_eq!(r[0].name, "Bo Bystander");
        assert!(r[0].subject && !r[1].subject);
    }

    #[test]
    fn csv_cells_cannot_run_formulas() {
        let records = vec![held(
            EntityKind::Visit,
            "v",
            json!({"notes": "=HYPERLINK(\"x\")"}),
        )];
        let b = bundle("SAR-2", "t", &records, &BTreeSet::new(), vec![]);
        let csv = to_csv(&b).unwrap_or_default();
        assert!(csv.starts_with("kind,record,field,value\n"), "{csv}");
        assert!(csv.contains("'=HYPERLINK"), "{csv}");
    }
}
