//! Erasure, planned once for both backends: which records go (the household or resident
//! and every record that refers to it, as a transfer finds them), the log entries that take
//! them off every laptop of the team, who received them and must be told, and the SQL that
//! removes every trace of them from the hub's tables.
//!
//! An erased record leaves no content on the hub: its row, every change-log entry that
//! carried its fields, its conflicts, its case-index words, its agency email and its
//! contractor's photos are deleted, and its photos' bytes too unless another team holds
//! them. What stays is its id (a random UUID) in `erased_records`, so a laptop's later push
//! to it is thrown away instead of bringing it back ([`is_erased`]), the removals laptops
//! pull, and audit lines that name ids, never content.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use doorstep_sync::protocol::{Change, EntityKind, Removal};
use serde_json::Value;

use crate::conflicts::HubIdentity;
use doorstep_core::privacy::request::{RequestKind, check_not_held};

use crate::model::{AuditEntry, Refusal, StoreError};
use crate::privacy::{Recipient, RequestRow};
use crate::push::{EntryKind, NewEntry, RecordKey};
use crate::sql::{Dialect, Param};
use crate::store::StoredRecord;
use crate::transfer::records_belonging_to;

/// Everything an erasure writes, decided before anything is.
#[derive(Debug, Default)]
pub struct ErasurePlan {
    /// The records erased, in key order.
    pub keys: Vec<RecordKey>,
    /// One erased removal per record, for the team's laptops.
    pub entries: Vec<NewEntry>,
    /// The change-log counter afterwards.
    pub counter: i64,
    /// Photos and signatures the erased records named.
    pub attachments: Vec<String>,
    /// Who received them.
    pub recipients: Vec<Recipient>,
    /// One audit line per record, naming it by id only.
    pub audit: Vec<AuditEntry>,
}

/// Plans erasing `root` (a household or a resident) from `team`'s `records`. `agency_name`
/// names an agency by its directory id.
#[allow(
    clippy::too_many_arguments,
    reason = "what is erased, from where, under which request, and the three things that number and date the entries"
)]
pub fn plan_erasure(
    root: &RecordKey,
    records: &HashMap<RecordKey, StoredRecord>,
    team_id: &str,
    request_id: &str,
    by: &str,
    hub: HubIdentity,
    counter: i64,
    now: i64,
    agency_name: impl Fn(&str) -> Option<String>,
) -> Result<ErasurePlan, StoreError> {
    let refs: Vec<(RecordKey, &doorstep_sync::merge::Record)> = records
        .iter()
        .map(|(k, r)| (k.clone(), &r.record))
        .collect();
    let keys = records_belonging_to(root, &refs);
    let mut plan = ErasurePlan {
        counter,
        ..ErasurePlan::default()
    };
    let mut attachments = BTreeSet::new();
    for key in &keys {
        let (entity, entity_id) = key;
        if let Some(stored) = records.get(key) {
            let fields = &stored.record.fields;
            // A photo's `sha256`, a plan's signature inside its agreement, a contractor's
            // photo inside a work order's history: any attachment reference counts.
            for value in fields.values() {
                collect_hashes(value, &mut attachments);
            }
        }
        plan.counter += 1;
        plan.entries
            .push(removal_entry(key, team_id, hub, plan.counter, now)?);
        plan.audit.push(AuditEntry {
            at: now,
            user_id: Some(by.to_owned()),
            device_id: None,
            action: "privacy.erase".into(),
            entity: Some(entity.as_str().to_owned()),
            entity_id: Some(entity_id.clone()),
            outcome: format!("erased under request {request_id}"),
        });
    }
    plan.recipients = recipients(
        keys.iter()
            .filter_map(|k| records.get(k).map(|r| (k.0, &r.record.fields))),
        agency_name,
    );
    plan.attachments = attachments.into_iter().collect();
    plan.keys = keys;
    Ok(plan)
}

/// The removal that takes a disposed (or erased) record off its team's laptops.
pub fn removal_entry(
    key: &RecordKey,
    team_id: &str,
    hub: HubIdentity,
    seq: i64,
    now: i64,
) -> Result<NewEntry, StoreError> {
    let removal = Removal {
        entity: key.0,
        entity_id: key.1.clone(),
        erased: true,
    };
    Ok(NewEntry {
        seq,
        change_id: uuid::Uuid::now_v7().to_string(),
        entity: key.0,
        entity_id: key.1.clone(),
        team_id: team_id.to_owned(),
        kind: EntryKind::Remove,
        operation: "remove",
        body: serde_json::to_string(&removal)?,
        device_id: hub.device_id.to_string(),
        user_id: hub.officer_id.to_string(),
        at: now,
    })
}

/// What an erasure request erases — its resident, or else its whole household — once it is
/// an erasure request not yet decided and no legal hold (`hold`, its reason) stands on the
/// household.
pub fn erasure_root(request: &RequestRow, hold: Option<&str>) -> Result<RecordKey, Refusal> {
    if request.kind != RequestKind::Erasure {
        return Err(Refusal::Invalid(
            "Only an erasure request erases records.".into(),
        ));
    }
    if request.decision.is_some() {
        return Err(Refusal::Invalid(
            "This request has already been decided.".into(),
        ));
    }
    check_not_held(hold).map_err(|e| Refusal::Invalid(e.to_string()))?;
    Ok(match &request.person_id {
        Some(person) => (EntityKind::Person, person.clone()),
        None => (EntityKind::Household, request.household_id.clone()),
    })
}

/// The audit line for an erasure request carried out, beside the plan's line per record.
pub fn erasure_audit(request_id: &str, by: &str, now: i64, erased: usize) -> AuditEntry {
    AuditEntry {
        at: now,
        user_id: Some(by.to_owned()),
        device_id: None,
        action: "privacy.erasure".into(),
        entity: Some("privacy_request".into()),
        entity_id: Some(request_id.to_owned()),
        outcome: format!("granted: {erased} records erased"),
    }
}

/// Who received any of `records` and must be told of an erasure, or named in a subject
/// access answer: each agency a referral was delivered to (a draft or queued one never
/// left the laptop) and each firm that had a work order, with how many.
pub fn recipients<'a>(
    records: impl Iterator<Item = (EntityKind, &'a BTreeMap<String, Value>)>,
    agency_name: impl Fn(&str) -> Option<String>,
) -> Vec<Recipient> {
    let mut agencies: BTreeMap<String, usize> = BTreeMap::new();
    let mut firms: BTreeMap<String, usize> = BTreeMap::new();
    for (entity, fields) in records {
        let text = |name: &str| fields.get(name).and_then(Value::as_str);
        match entity {
            EntityKind::Referral
                if text("status").is_some_and(|s| !matches!(s, "draft" | "queued")) =>
            {
                if let Some(id) = text("agency_id") {
                    let name = agency_name(id).unwrap_or_else(|| id.to_owned());
                    *agencies.entry(name).or_default() += 1;
                }
            }
            EntityKind::WorkOrder => {
                if let Some(name) = fields
                    .get("firm")
                    .and_then(|f| f.get("name"))
                    .and_then(Value::as_str)
                {
                    *firms.entry(name.to_owned()).or_default() += 1;
                }
            }
            _ => {}
        }
    }
    let count = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    agencies
        .into_iter()
        .map(|(name, n)| Recipient {
            kind: "agency",
            name,
            what: count(n, "referral"),
            told_at: None,
        })
        .chain(firms.into_iter().map(|(name, n)| Recipient {
            kind: "firm",
            name,
            what: count(n, "work order"),
            told_at: None,
        }))
        .collect()
}

/// Every attachment reference in `value`: `sha256:` and 64 lowercase hex digits (as the
/// app and the portal write them), or the bare digest.
pub(crate) fn collect_hashes(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            let hex = s.strip_prefix("sha256:").unwrap_or(s);
            if hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                into.insert(hex.to_owned());
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_hashes(v, into)),
        Value::Object(map) => map.values().for_each(|v| collect_hashes(v, into)),
        _ => {}
    }
}

/// A statement and the values it binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The SQL.
    pub text: String,
    /// Its parameters, in order.
    pub params: Vec<Param>,
}

/// `column IN (…)` over `values`, numbering placeholders after `params`.
fn any_of(dialect: Dialect, column: &str, values: &[String], params: &mut Vec<Param>) -> String {
    let marks: Vec<String> = values
        .iter()
        .map(|v| {
            params.push(Param::Text(v.clone()));
            dialect.mark(params.len())
        })
        .collect();
    format!("{column} IN ({})", marks.join(", "))
}

/// The statements that delete every trace of the plan's records from the hub's tables
/// (the change log's removals are appended separately), for `team_id`. A table's rows go
/// in chunks of at most 500 ids, so no statement binds more than SQLite allows.
pub fn delete_statements(dialect: Dialect, plan: &ErasurePlan, team_id: &str) -> Vec<Statement> {
    let mut by_kind: BTreeMap<EntityKind, Vec<String>> = BTreeMap::new();
    for (entity, id) in &plan.keys {
        by_kind.entry(*entity).or_default().push(id.clone());
    }
    let mut out = Vec::new();
    for (entity, ids) in &by_kind {
        for chunk in ids.chunks(500) {
            // Each by its kind and id, so the tables' (entity, entity_id) keys find the rows
            // without reading the whole table: a retention run deletes thousands this way.
            for table in [
                "records",
                "change_log",
                "conflicts",
                "case_index",
                "case_words",
                "report_facts",
            ] {
                let mut params = vec![Param::Text(entity.as_str().to_owned())];
                let condition = any_of(dialect, "entity_id", chunk, &mut params);
                out.push(Statement {
                    text: format!(
                        "DELETE FROM {table} WHERE entity = {} AND {condition}",
                        dialect.mark(1)
                    ),
                    params,
                });
            }
            let own = match entity {
                EntityKind::Referral => Some(("referral_notifications", "referral_id")),
                EntityKind::WorkOrder => Some(("portal_photos", "order_id")),
                _ => None,
            };
            if let Some((table, column)) = own {
                let mut params = Vec::new();
                let condition = any_of(dialect, column, chunk, &mut params);
                out.push(Statement {
                    text: format!("DELETE FROM {table} WHERE {condition}"),
                    params,
                });
            }
        }
    }
    for chunk in plan.attachments.chunks(500) {
        // This team's hold on the bytes goes; the bytes themselves only when no other team
        // holds them too (another team uploaded the same photo).
        let mut params = vec![Param::Text(team_id.to_owned())];
        let condition = any_of(dialect, "sha256", chunk, &mut params);
        out.push(Statement {
            text: format!(
                "DELETE FROM attachment_teams WHERE team_id = {} AND {condition}",
                dialect.mark(1)
            ),
            params,
        });
        let mut params = Vec::new();
        let condition = any_of(dialect, "a.sha256", chunk, &mut params);
        out.push(Statement {
            text: format!(
                "DELETE FROM attachments WHERE sha256 IN (SELECT a.sha256 FROM attachments a \
                 WHERE {condition} AND NOT EXISTS \
                 (SELECT 1 FROM attachment_teams t WHERE t.sha256 = a.sha256))"
            ),
            params,
        });
    }
    out
}

/// The statements that remember the erased ids, a few hundred rows to a statement.
pub fn remember_statements(
    dialect: Dialect,
    plan: &ErasurePlan,
    request_id: &str,
    now: i64,
) -> Vec<Statement> {
    plan.keys
        .chunks(200)
        .map(|chunk| {
            let mut params = Vec::with_capacity(chunk.len() * 4);
            let rows: Vec<String> = chunk
                .iter()
                .map(|(entity, id)| {
                    params.push(Param::Text(entity.as_str().to_owned()));
                    params.push(Param::Text(id.clone()));
                    params.push(Param::Text(request_id.to_owned()));
                    params.push(Param::Int(now));
                    let n = params.len();
                    format!(
                        "({}, {}, {}, {})",
                        dialect.mark(n - 3),
                        dialect.mark(n - 2),
                        dialect.mark(n - 1),
                        dialect.mark(n)
                    )
                })
                .collect();
            Statement {
                text: format!(
                    "INSERT INTO erased_records (entity, entity_id, request_id, erased_at) \
                     VALUES {} ON CONFLICT (entity, entity_id) DO NOTHING",
                    rows.join(", ")
                ),
                params,
            }
        })
        .collect()
}

/// Whether `change` touches an erased record or refers to one: the hub takes it in and
/// throws it away. `erased` holds the erased ids among those the batch names.
pub fn is_erased(change: &Change, erased: &HashSet<String>) -> bool {
    !erased.is_empty()
        && (erased.contains(&change.entity_id)
            || change
                .references()
                .iter()
                .any(|(_, id)| erased.contains(id)))
}

/// The ids a batch names (its records and what they refer to), to look up in
/// `erased_records`.
pub fn ids_named(changes: &[Change]) -> Vec<String> {
    let mut ids: Vec<String> = changes
        .iter()
        .flat_map(|c| {
            std::iter::once(c.entity_id.clone()).chain(c.references().into_iter().map(|(_, id)| id))
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use doorstep_core::{DeviceId, OfficerId};
    use doorstep_sync::merge::Record;
    use serde_json::json;

    fn stored(fields: Value) -> StoredRecord {
        StoredRecord {
            team_id: "t1".into(),
            record: Record {
                fields: fields
                    .as_object()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
                versions: BTreeMap::new(),
            },
            tombstoned_at: None,
        }
    }

    fn hub() -> HubIdentity {
        HubIdentity {
            device_id: DeviceId::new(),
            officer_id: OfficerId::new(),
        }
    }

    fn sample() -> HashMap<RecordKey, StoredRecord> {
        let photo = format!("sha256:{}", "a".repeat(64));
        let signature = "b".repeat(64);
        HashMap::from([
            (
                (EntityKind::Household, "h1".into()),
                stored(json!({"postcode": "ZZ1 1ZZ"})),
            ),
            (
                (EntityKind::Household, "h2".into()),
                stored(json!({"postcode": "ZZ1 2ZZ"})),
            ),
            (
                (EntityKind::Person, "p1".into()),
                stored(json!({"household_id": "h1", "full_name": "Ada Example"})),
            ),
            (
                (EntityKind::Person, "p2".into()),
                stored(json!({"household_id": "h1", "full_name": "Bo Example"})),
            ),
            (
                (EntityKind::Person, "p3".into()),
                stored(json!({"household_id": "h2", "full_name": "Cy Other"})),
            ),
            (
                (EntityKind::Survey, "s1".into()),
                stored(json!({"household_id": "h1"})),
            ),
            (
                (EntityKind::SurveyPhoto, "f1".into()),
                stored(json!({"survey_id": "s1", "sha256": photo})),
            ),
            (
                (EntityKind::Plan, "pl1".into()),
                stored(json!({"survey_id": "s1", "agreement": {"signature": signature}})),
            ),
            (
                (EntityKind::WorkOrder, "w1".into()),
                stored(json!({"plan_id": "pl1", "firm": {"id": "f", "name": "Example Locks Ltd"}})),
            ),
            (
                (EntityKind::Referral, "r1".into()),
                stored(
                    json!({"person_id": "p1", "household_id": "h1", "agency_id": "care", "status": "accepted"}),
                ),
            ),
            (
                (EntityKind::Referral, "r2".into()),
                stored(
                    json!({"person_id": "p2", "household_id": "h1", "agency_id": "care", "status": "queued"}),
                ),
            ),
            (
                (EntityKind::CharlieCheck, "c1".into()),
                stored(json!({"person_id": "p1", "household_id": "h1"})),
            ),
        ])
    }

    fn plan(root: RecordKey) -> ErasurePlan {
        plan_erasure(
            &root,
            &sample(),
            "t1",
            "req1",
            "dpo1",
            hub(),
            10,
            1_000,
            |id| (id == "care").then(|| "Care Example Service".to_owned()),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_household_takes_everything_that_refers_to_it_and_nothing_else() {
        let plan = plan((EntityKind::Household, "h1".into()));
        let ids: Vec<&str> = plan.keys.iter().map(|(_, id)| id.as_str()).collect();
        for id in ["h1", "p1", "p2", "s1", "f1", "pl1", "w1", "r1", "r2", "c1"] {
            assert!(ids.contains(&id), "{id} missing from {ids:?}");
        }
        assert!(!ids.contains(&"h2") && !ids.contains(&"p3"), "{ids:?}");
        assert_eq!(plan.entries.len(), plan.keys.len());
        assert_eq!(plan.counter, 10 + plan.keys.len() as i64);
        assert!(
            plan.entries
                .iter()
                .all(|e| e.body.contains("\"erased\":true"))
        );
        assert_eq!(plan.attachments, vec!["a".repeat(64), "b".repeat(64)]);
        // A queued referral never reached its agency: only the delivered one is told.
        assert_eq!(
            plan.recipients,
            vec![
                Recipient {
                    kind: "agency",
                    name: "Care Example Service".into(),
                    what: "1 referral".into(),
                    told_at: None
                },
                Recipient {
                    kind: "firm",
                    name: "Example Locks Ltd".into(),
                    what: "1 work order".into(),
                    told_at: None
                },
            ]
        );
        // The audit names records by id, never by what they held.
        assert!(plan.audit.iter().all(|a| !a.outcome.contains("Example")));
    }

    #[test]
    fn a_resident_takes_their_own_records_and_leaves_the_householders() {
        let plan = plan((EntityKind::Person, "p1".into()));
        let ids: Vec<&str> = plan.keys.iter().map(|(_, id)| id.as_str()).collect();
        let mut sorted = ids;
        sorted.sort_unstable();
        assert_eq!(sorted, vec!["c1", "p1", "r1"]);
    }

    #[test]
    fn a_change_to_an_erased_record_or_one_that_refers_to_it_is_dropped() {
        let erased: HashSet<String> = ["h1".to_owned()].into();
        let change = |entity: EntityKind, id: &str, fields: Value| Change {
            change_id: uuid::Uuid::now_v7(),
            entity,
            entity_id: id.into(),
            operation: doorstep_sync::protocol::Operation::Update,
            fields: fields.as_object().cloned().unwrap_or_default(),
            base_versions: BTreeMap::new(),
            hlc: doorstep_core::Hlc::zero(DeviceId::new()),
            officer_id: OfficerId::new(),
            device_id: DeviceId::new(),
            made_at: chrono::Utc::now(),
        };
        assert!(is_erased(
            &change(EntityKind::Household, "h1", json!({"town": "X"})),
            &erased
        ));
        assert!(is_erased(
            &change(EntityKind::Visit, "v9", json!({"household_id": "h1"})),
            &erased
        ));
        assert!(!is_erased(
            &change(EntityKind::Visit, "v9", json!({"household_id": "h2"})),
            &erased
        ));
        assert!(!is_erased(
            &change(EntityKind::Household, "h1", json!({})),
            &HashSet::new()
        ));
    }

    #[test]
    fn statements_bind_every_id_and_number_placeholders_in_order() {
        let plan = plan((EntityKind::Household, "h1".into()));
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            for s in delete_statements(dialect, &plan, "t1") {
                let marks = s
                    .text
                    .matches(if dialect == Dialect::Sqlite { '?' } else { '$' })
                    .count();
                assert_eq!(marks, s.params.len(), "{}", s.text);
            }
        }
        let remember = remember_statements(Dialect::Postgres, &plan, "req1", 5);
        assert_eq!(
            remember.iter().map(|s| s.params.len()).sum::<usize>(),
            plan.keys.len() * 4,
            "every key remembered once"
        );
        for s in &remember {
            assert_eq!(s.text.matches('$').count(), s.params.len(), "{}", s.text);
        }
    }
}
