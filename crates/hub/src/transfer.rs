//! Moving a household to another team (`admin transfer-household`): which records go
//! with it, and the log entries that take them off the old team's laptops and onto the
//! new team's.
//!
//! The new team's laptops never held these records, so they receive each one whole, as
//! one change made by the hub. That change's clock reading becomes the version of every
//! field on the hub too: a laptop holds each field at exactly the hub's version, so its
//! next edit applies cleanly instead of looking concurrent (which, on a guarded field,
//! would raise a false conflict).

use std::collections::{BTreeSet, HashMap, HashSet};

use doorstep_core::{Hlc, HlcClock};
use doorstep_sync::merge::Record;
use doorstep_sync::protocol::{Change, EntityKind, Operation, RESERVED_PREFIX, Removal};
use serde_json::Value;
use uuid::Uuid;

use crate::conflicts::HubIdentity;
use crate::model::{AuditEntry, Refusal, StoreError};
use crate::push::{EntryKind, NewEntry, RecordKey, time_of};
use crate::store::StoredRecord;

/// Takes out of `records` (the old team's, keyed) the household and every record that
/// refers to it (see [`records_to_move`]); returns their keys, in key order, and the
/// records themselves to plan the move with.
pub fn take_moving(
    household_id: &str,
    records: &mut HashMap<RecordKey, StoredRecord>,
) -> (Vec<RecordKey>, Vec<(RecordKey, StoredRecord)>) {
    let refs: Vec<(RecordKey, &Record)> = records
        .iter()
        .map(|(k, r)| (k.clone(), &r.record))
        .collect();
    let moved = records_to_move(household_id, &refs);
    let moving = moved
        .iter()
        .filter_map(|k| records.remove(k).map(|r| (k.clone(), r)))
        .collect();
    (moved, moving)
}

/// The household and every record that refers to it, directly or through another moving
/// record (a field ending in `_id` naming one: a survey's `household_id`, its plan's
/// `survey_id`, a conflict's `entity_id`), found again and again until nothing is added.
/// `records` are the old team's records; the result is in key order.
pub fn records_to_move(household_id: &str, records: &[(RecordKey, &Record)]) -> Vec<RecordKey> {
    records_belonging_to(&(EntityKind::Household, household_id.to_owned()), records)
}

/// `root` and every record that refers to it, directly or through another such record (a
/// field ending in `_id` naming one), found again and again until nothing is added; in key
/// order. What moves with a household, and what an erasure of a household or a resident
/// takes with it.
pub fn records_belonging_to(root: &RecordKey, records: &[(RecordKey, &Record)]) -> Vec<RecordKey> {
    let mut ids: HashSet<&str> = HashSet::from([root.1.as_str()]);
    let mut moving: BTreeSet<RecordKey> = BTreeSet::from([root.clone()]);
    loop {
        let found: Vec<&RecordKey> = records
            .iter()
            .filter(|(key, _)| !moving.contains(key))
            .filter(|(_, record)| {
                record.fields.iter().any(|(name, value)| {
                    name.ends_with("_id") && value.as_str().is_some_and(|v| ids.contains(v))
                })
            })
            .map(|(key, _)| key)
            .collect();
        if found.is_empty() {
            return moving.into_iter().collect();
        }
        for key in found {
            ids.insert(key.1.as_str());
            moving.insert(key.clone());
        }
    }
}

/// Refuses a transfer that cannot be: to the team that already holds the household, or
/// to a team of another organisation (`same_org` false).
pub fn check_teams(
    household_id: &str,
    from_team: &str,
    to_team: &str,
    same_org: bool,
) -> Result<(), Refusal> {
    if from_team == to_team {
        return Err(Refusal::Invalid(format!(
            "Household {household_id} is already held by that team"
        )));
    }
    if !same_org {
        return Err(Refusal::Invalid(format!(
            "Household {household_id} cannot move to a team of another organisation"
        )));
    }
    Ok(())
}

/// Everything a transfer writes.
#[derive(Debug, Default)]
pub struct TransferPlan {
    /// The moved records, each in the new team, with the seq of its latest entry.
    pub records: Vec<(RecordKey, StoredRecord, i64)>,
    /// A removal for the old team per record, then each live record whole for the new one.
    pub entries: Vec<NewEntry>,
    /// Attachments the moved records refer to, which the new team may now download.
    pub attachments: Vec<String>,
    /// The change-log counter afterwards.
    pub counter: i64,
    /// The hub clock's last reading, to store.
    pub clock: Option<Hlc>,
    /// One audit line per record moved.
    pub audit: Vec<AuditEntry>,
}

/// Plans moving `moving` (each with its current state) to `to_team`: one hub clock
/// reading for the whole transfer, later than every version it replaces.
pub fn plan_transfer(
    moving: Vec<(RecordKey, StoredRecord)>,
    to_team: &str,
    hub: HubIdentity,
    last: Option<Hlc>,
    counter: i64,
    now: i64,
) -> Result<TransferPlan, StoreError> {
    let at = time_of(now);
    let mut clock = HlcClock::new(hub.device_id, last);
    let newest = moving.iter().filter_map(|(_, r)| r.record.version()).max();
    if let Some(newest) = newest {
        // A reading too far ahead to trust is not taken in; the tick below is then
        // simply the hub's own time.
        let _ = clock.observe(newest, at);
    }
    let hlc = clock.tick(at);
    let mut plan = TransferPlan {
        counter,
        clock: Some(hlc),
        ..TransferPlan::default()
    };
    let mut attachments = BTreeSet::new();
    for ((entity, entity_id), mut stored) in moving {
        let from_team = std::mem::replace(&mut stored.team_id, to_team.to_owned());
        plan.counter += 1;
        let removal = Removal {
            entity,
            entity_id: entity_id.clone(),
            erased: false,
        };
        plan.entries.push(NewEntry {
            seq: plan.counter,
            change_id: Uuid::now_v7().to_string(),
            entity,
            entity_id: entity_id.clone(),
            team_id: from_team.clone(),
            kind: EntryKind::Remove,
            operation: "remove",
            body: serde_json::to_string(&removal)?,
            device_id: hub.device_id.to_string(),
            user_id: hub.officer_id.to_string(),
            at: now,
        });
        let mut seq = plan.counter;
        for (name, value) in &stored.record.fields {
            if let (true, Some(sha)) = (
                name == "sha256" || name.ends_with("_sha256"),
                value.as_str(),
            ) {
                // Records name a photo `sha256:<hex>`; the hub stores it under the hex.
                attachments.insert(sha.strip_prefix("sha256:").unwrap_or(sha).to_owned());
            }
        }
        if !stored.record.is_deleted() {
            for version in stored.record.versions.values_mut() {
                *version = hlc;
            }
            let fields: serde_json::Map<String, Value> = stored
                .record
                .fields
                .iter()
                .filter(|(name, _)| !name.starts_with(RESERVED_PREFIX))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            let change = Change {
                change_id: Uuid::now_v7(),
                entity,
                entity_id: entity_id.clone(),
                operation: Operation::Create,
                fields,
                base_versions: Default::default(),
                hlc,
                officer_id: hub.officer_id,
                device_id: hub.device_id,
                made_at: at,
            };
            plan.counter += 1;
            seq = plan.counter;
            plan.entries.push(NewEntry {
                seq,
                change_id: change.change_id.to_string(),
                entity,
                entity_id: entity_id.clone(),
                team_id: to_team.to_owned(),
                kind: EntryKind::Change,
                operation: "create",
                body: serde_json::to_string(&change)?,
                device_id: hub.device_id.to_string(),
                user_id: hub.officer_id.to_string(),
                at: now,
            });
        }
        plan.audit.push(AuditEntry {
            at: now,
            user_id: None,
            device_id: None,
            action: "move".into(),
            entity: Some(entity.as_str().to_owned()),
            entity_id: Some(entity_id.clone()),
            outcome: format!("from team {from_team} to team {to_team}"),
        });
        plan.records.push(((entity, entity_id), stored, seq));
    }
    plan.attachments = attachments.into_iter().collect();
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use doorstep_core::{DeviceId, OfficerId};
    use serde_json::json;
    use std::collections::BTreeMap;

    fn record(fields: Value) -> Record {
        let device = DeviceId::new();
        let fields: BTreeMap<String, Value> = fields
            .as_object()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect();
        let versions = fields
            .keys()
            .map(|k| {
                (
                    k.clone(),
                    Hlc {
                        wall_ms: 5,
                        counter: 0,
                        device,
                    },
                )
            })
            .collect();
        Record::new(fields, versions)
    }

    #[test]
    fn everything_that_refers_to_the_household_goes_with_it() {
        let team = [
            (
                (EntityKind::Household, "h1".to_owned()),
                record(json!({"postcode": "NS1"})),
            ),
            (
                (EntityKind::Household, "h2".to_owned()),
                record(json!({"postcode": "NS2"})),
            ),
            (
                (EntityKind::Person, "p1".to_owned()),
                record(json!({"household_id": "h1"})),
            ),
            (
                (EntityKind::Person, "p2".to_owned()),
                record(json!({"household_id": "h2"})),
            ),
            (
                (EntityKind::Survey, "s1".to_owned()),
                record(json!({"household_id": "h1", "visit_id": null})),
            ),
            // Through the survey, and through the plan: two steps away.
            (
                (EntityKind::Plan, "pl1".to_owned()),
                record(json!({"survey_id": "s1"})),
            ),
            (
                (EntityKind::Conflict, "c1".to_owned()),
                record(json!({"entity": "plan", "entity_id": "pl1"})),
            ),
            (
                (EntityKind::WorkOrder, "w1".to_owned()),
                record(json!({"plan_id": "pl1"})),
            ),
            // A field that merely mentions the id without ending in _id does not count.
            (
                (EntityKind::Visit, "v9".to_owned()),
                record(json!({"notes": "h1"})),
            ),
        ];
        let refs: Vec<(RecordKey, &Record)> = team.iter().map(|(k, r)| (k.clone(), r)).collect();
        let moved: Vec<String> = records_to_move("h1", &refs)
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        assert_eq!(moved, ["h1", "p1", "s1", "pl1", "c1", "w1"]);
    }

    #[test]
    fn each_record_leaves_the_old_team_and_arrives_whole_at_the_same_version() {
        let hub = HubIdentity {
            device_id: DeviceId::new(),
            officer_id: OfficerId::new(),
        };
        let stored = |fields: Value| StoredRecord {
            team_id: "north".into(),
            record: record(fields),
            tombstoned_at: None,
        };
        let mut gone = stored(json!({"household_id": "h1", "_deleted": true}));
        gone.tombstoned_at = Some(1);
        let moving = vec![
            (
                (EntityKind::Household, "h1".to_owned()),
                stored(json!({"postcode": "NS1", "street": "High St"})),
            ),
            (
                (EntityKind::SurveyPhoto, "ph1".to_owned()),
                stored(json!({"household_id": "h1", "sha256": "ab"})),
            ),
            ((EntityKind::Visit, "v1".to_owned()), gone),
        ];
        let plan = plan_transfer(moving, "south", hub, None, 40, 1_000).unwrap();
        let kinds: Vec<(i64, &str, EntryKind)> = plan
            .entries
            .iter()
            .map(|e| (e.seq, e.team_id.as_str(), e.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                (41, "north", EntryKind::Remove),
                (42, "south", EntryKind::Change),
                (43, "north", EntryKind::Remove),
                (44, "south", EntryKind::Change),
                // A tombstone is only removed: there is nothing to show the new team.
                (45, "north", EntryKind::Remove),
            ]
        );
        assert_eq!(plan.counter, 45);
        assert_eq!(plan.attachments, ["ab"]);
        let hlc = plan.clock.unwrap();
        assert!(hlc.wall_ms >= 5, "later than every version replaced");
        let (_, household, seq) = &plan.records[0];
        assert_eq!((household.team_id.as_str(), *seq), ("south", 42));
        assert!(household.record.versions.values().all(|v| *v == hlc));
        let change: Change = serde_json::from_str(&plan.entries[1].body).unwrap();
        assert_eq!(change.fields.len(), 2);
        assert_eq!(change.hlc, hlc);
        assert_eq!(change.device_id, hub.device_id);
        let removal: Removal = serde_json::from_str(&plan.entries[0].body).unwrap();
        assert_eq!(removal.entity_id, "h1");
        assert_eq!(plan.audit.len(), 3);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// What moves is closed (nothing left behind refers to a moved record) and
            /// minimal (everything moved but the household refers to a moved record).
            #[test]
            fn the_moved_set_is_closed_and_minimal(
                links in proptest::collection::vec(proptest::option::of(0usize..12), 12),
            ) {
                // Record i (a person) refers to record links[i], or to nothing; 0 is the household.
                let id = |i: usize| if i == 0 { "h0".to_owned() } else { format!("r{i}") };
                let team: Vec<(RecordKey, Record)> = links
                    .iter()
                    .enumerate()
                    .map(|(i, link)| {
                        let entity = if i == 0 { EntityKind::Household } else { EntityKind::Person };
                        let fields = match link {
                            Some(to) if i != 0 => json!({ "household_id": id(*to), "name": "x" }),
                            _ => json!({ "name": "x" }),
                        };
                        ((entity, id(i)), record(fields))
                    })
                    .collect();
                let refs: Vec<(RecordKey, &Record)> =
                    team.iter().map(|(k, r)| (k.clone(), r)).collect();
                let moved: std::collections::BTreeSet<String> = records_to_move("h0", &refs)
                    .into_iter()
                    .map(|(_, id)| id)
                    .collect();
                prop_assert!(moved.contains("h0"));
                for (i, link) in links.iter().enumerate().skip(1) {
                    let refers_to_moved = link.is_some_and(|to| moved.contains(&id(to)));
                    prop_assert_eq!(moved.contains(&id(i)), refers_to_moved, "record {}", i);
                }
            }
        }
    }
}
