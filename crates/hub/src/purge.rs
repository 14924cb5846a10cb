//! Tombstones and long absence (`admin purge`, and daily inside `serve`).
//!
//! Deleted records are kept as tombstones for `tombstone_days`, long enough for every
//! laptop in use to pull the delete. Then the hub forgets them and compacts its change log
//! below a **horizon**: the newest entry older than that. A laptop whose cursor is below
//! the horizon (away longer than tombstones are kept) could miss a delete, so its next pull
//! says `full_resync_needed` and it starts again from 0. A pull from 0 must still rebuild
//! every record exactly, so compaction keeps, of each record's entries below the horizon:
//! its first entry in its team (the create, with every required field) and every entry
//! that still sets a field's current version; it drops the rest, every entry of a purged
//! record, entries of records that have since moved to another team, and removals.

use std::collections::{BTreeMap, HashMap, HashSet};

use doorstep_core::Hlc;
use doorstep_sync::protocol::{Change, DELETED_FIELD, EntityKind, Operation};

use crate::model::StoreError;
use crate::push::{EntryKind, RecordKey};

/// How long a day is, in the hub's milliseconds.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// What compaction needs to know of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordMeta {
    /// The team that holds it now.
    pub team_id: String,
    /// Each field's current version.
    pub versions: BTreeMap<String, Hlc>,
    /// When it became a tombstone, if it is one.
    pub tombstoned_at: Option<i64>,
    /// The seq of its latest entry.
    pub updated_seq: i64,
}

/// What compaction needs to know of a change-log entry.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryMeta {
    /// Its number.
    pub seq: i64,
    /// Its record.
    pub key: RecordKey,
    /// The team that pulls it.
    pub team_id: String,
    /// Change or removal.
    pub kind: EntryKind,
    /// A change's clock reading (none for a removal).
    pub hlc: Option<Hlc>,
    /// The fields a change set (the tombstone field for a delete).
    pub fields: Vec<String>,
}

impl EntryMeta {
    /// Reads a stored entry.
    pub fn from_row(
        seq: i64,
        entity: &str,
        entity_id: String,
        team_id: String,
        kind: &str,
        body: &str,
    ) -> Result<Self, StoreError> {
        let entity = EntityKind::parse(entity)
            .ok_or_else(|| StoreError::Backend(format!("stored entity {entity:?} is damaged")))?;
        let (kind, hlc, fields) = if kind == EntryKind::Remove.as_str() {
            (EntryKind::Remove, None, Vec::new())
        } else {
            let change: Change = serde_json::from_str(body)?;
            let fields = match change.operation {
                Operation::Delete => vec![DELETED_FIELD.to_owned()],
                Operation::Create | Operation::Update => change.fields.keys().cloned().collect(),
            };
            (EntryKind::Change, Some(change.hlc), fields)
        };
        Ok(Self {
            seq,
            key: (entity, entity_id),
            team_id,
            kind,
            hlc,
            fields,
        })
    }
}

/// What a purge deletes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgePlan {
    /// Tombstones old enough to forget.
    pub records: Vec<RecordKey>,
    /// Change-log entries to drop, all at or below the horizon.
    pub entries: Vec<i64>,
}

/// Plans a purge. `records` holds every record an entry below the horizon refers to and
/// every tombstone; `entries` are all the entries at or below `horizon`, in seq order.
/// A tombstone is forgotten when it is older than `cutoff` and nothing happened to the
/// record since the horizon.
pub fn plan_purge(
    records: &HashMap<RecordKey, RecordMeta>,
    entries: &[EntryMeta],
    horizon: i64,
    cutoff: i64,
) -> PurgePlan {
    let mut purged: Vec<RecordKey> = records
        .iter()
        .filter(|(_, r)| r.tombstoned_at.is_some_and(|at| at < cutoff) && r.updated_seq <= horizon)
        .map(|(k, _)| k.clone())
        .collect();
    purged.sort();
    let gone: HashSet<&RecordKey> = purged.iter().collect();
    let mut first_seen: HashSet<&RecordKey> = HashSet::new();
    let mut dropped = Vec::new();
    for entry in entries.iter().filter(|e| e.seq <= horizon) {
        let keep = match records.get(&entry.key) {
            _ if gone.contains(&entry.key) => false,
            None => false,
            Some(record) => {
                entry.kind == EntryKind::Change
                    && entry.team_id == record.team_id
                    && (first_seen.insert(&entry.key)
                        || entry.fields.iter().any(|f| {
                            entry.hlc.is_some() && record.versions.get(f) == entry.hlc.as_ref()
                        }))
            }
        };
        if !keep {
            dropped.push(entry.seq);
        }
    }
    PurgePlan {
        records: purged,
        entries: dropped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doorstep_core::DeviceId;

    fn hlc(ms: u64, device: DeviceId) -> Hlc {
        Hlc {
            wall_ms: ms,
            counter: 0,
            device,
        }
    }

    fn change(seq: i64, id: &str, team: &str, at: Hlc, fields: &[&str]) -> EntryMeta {
        EntryMeta {
            seq,
            key: (EntityKind::Household, id.to_owned()),
            team_id: team.into(),
            kind: EntryKind::Change,
            hlc: Some(at),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        }
    }

    #[test]
    fn compaction_keeps_what_rebuilds_each_record_and_drops_the_rest() {
        let d = DeviceId::new();
        let mut records = HashMap::new();
        // h1: created (street, postcode), street changed twice; the first change of street
        // is superseded, the create still holds the postcode's version.
        records.insert(
            (EntityKind::Household, "h1".to_owned()),
            RecordMeta {
                team_id: "north".into(),
                versions: [("street".into(), hlc(3, d)), ("postcode".into(), hlc(1, d))].into(),
                tombstoned_at: None,
                updated_seq: 3,
            },
        );
        // h2: created then deleted long ago: forgotten.
        records.insert(
            (EntityKind::Household, "h2".to_owned()),
            RecordMeta {
                team_id: "north".into(),
                versions: [
                    ("street".into(), hlc(4, d)),
                    (DELETED_FIELD.into(), hlc(5, d)),
                ]
                .into(),
                tombstoned_at: Some(100),
                updated_seq: 5,
            },
        );
        // h3: moved from north to south: its north entries and the removal go, the
        // transfer's whole record in south stays.
        records.insert(
            (EntityKind::Household, "h3".to_owned()),
            RecordMeta {
                team_id: "south".into(),
                versions: [("street".into(), hlc(8, d))].into(),
                tombstoned_at: None,
                updated_seq: 8,
            },
        );
        // h4: deleted recently: kept, its delete too.
        records.insert(
            (EntityKind::Household, "h4".to_owned()),
            RecordMeta {
                team_id: "north".into(),
                versions: [
                    ("street".into(), hlc(9, d)),
                    (DELETED_FIELD.into(), hlc(10, d)),
                ]
                .into(),
                tombstoned_at: Some(5_000),
                updated_seq: 10,
            },
        );
        let mut removal = change(7, "h3", "north", hlc(7, d), &[]);
        removal.kind = EntryKind::Remove;
        removal.hlc = None;
        let entries = vec![
            change(1, "h1", "north", hlc(1, d), &["street", "postcode"]),
            change(2, "h1", "north", hlc(2, d), &["street"]),
            change(3, "h1", "north", hlc(3, d), &["street"]),
            change(4, "h2", "north", hlc(4, d), &["street"]),
            change(5, "h2", "north", hlc(5, d), &[DELETED_FIELD]),
            change(6, "h3", "north", hlc(6, d), &["street"]),
            removal,
            change(8, "h3", "south", hlc(8, d), &["street"]),
            change(9, "h4", "north", hlc(9, d), &["street"]),
            change(10, "h4", "north", hlc(10, d), &[DELETED_FIELD]),
            // Above the horizon: never touched.
            change(11, "h1", "north", hlc(11, d), &["street"]),
        ];
        let plan = plan_purge(&records, &entries, 10, 1_000);
        assert_eq!(plan.records, [(EntityKind::Household, "h2".to_owned())]);
        assert_eq!(plan.entries, [2, 4, 5, 6, 7]);
    }

    #[test]
    fn a_tombstone_touched_since_the_horizon_is_kept() {
        let d = DeviceId::new();
        let records = HashMap::from([(
            (EntityKind::Household, "h".to_owned()),
            RecordMeta {
                team_id: "t".into(),
                versions: [(DELETED_FIELD.into(), hlc(1, d))].into(),
                tombstoned_at: Some(1),
                updated_seq: 20,
            },
        )]);
        assert!(plan_purge(&records, &[], 10, 1_000).records.is_empty());
    }

    mod replay {
        use super::*;
        use doorstep_sync::merge::{Record, apply_from_hub, merge_into};
        use doorstep_sync::protocol::Operation;
        use proptest::prelude::*;
        use serde_json::json;
        use std::collections::BTreeMap;

        /// One edit: which record, which fields (a bit each of x, y, z), or a delete.
        fn edits() -> impl Strategy<Value = Vec<(u8, u8, bool)>> {
            proptest::collection::vec((0u8..3, 1u8..8, proptest::bool::weighted(0.15)), 1..40)
        }

        fn replay(entries: &[(i64, Change)]) -> BTreeMap<String, Record> {
            let mut records: BTreeMap<String, Record> = BTreeMap::new();
            for (_, change) in entries {
                let record = records.entry(change.entity_id.clone()).or_default();
                apply_from_hub(record, change, |_| false);
            }
            records.retain(|_, r| !r.is_deleted());
            records
        }

        proptest! {
            /// Whatever the edits and wherever the horizon, a laptop replaying the compacted
            /// log from 0 ends with exactly the records (values and versions) it would have
            /// had from the whole log.
            #[test]
            fn a_compacted_log_rebuilds_the_same_records(
                edits in edits(),
                horizon_share in 0.0f64..=1.0,
            ) {
                let device = doorstep_core::DeviceId::new();
                let mut hub: BTreeMap<String, (Record, i64, Option<i64>)> = BTreeMap::new();
                let mut log: Vec<(i64, Change)> = Vec::new();
                for (n, (which, bits, delete)) in edits.into_iter().enumerate() {
                    let id = format!("h{which}");
                    let seq = i64::try_from(n).unwrap() + 1;
                    let mut fields = serde_json::Map::new();
                    for (bit, name) in [(1u8, "x"), (2, "y"), (4, "z")] {
                        if bits & bit != 0 {
                            fields.insert(name.into(), json!(format!("{name}{seq}")));
                        }
                    }
                    let (operation, fields) = if delete {
                        (Operation::Delete, serde_json::Map::new())
                    } else {
                        (Operation::Update, fields)
                    };
                    let change = Change {
                        change_id: uuid::Uuid::now_v7(),
                        entity: EntityKind::Household,
                        entity_id: id.clone(),
                        operation,
                        fields,
                        base_versions: Default::default(),
                        hlc: hlc(u64::try_from(seq).unwrap(), device),
                        officer_id: doorstep_core::OfficerId::new(),
                        device_id: device,
                        made_at: chrono::Utc::now(),
                    };
                    let (record, updated, tombstoned) =
                        hub.entry(id).or_insert((Record::default(), 0, None));
                    let outcome = merge_into(record, &change);
                    if let Some(logged) = outcome.logged_change(&change) {
                        *updated = seq;
                        if record.is_deleted() && tombstoned.is_none() {
                            *tombstoned = Some(seq);
                        }
                        log.push((seq, logged));
                    }
                }
                let head = log.last().map_or(0, |(s, _)| *s);
                #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
                let horizon = (head as f64 * horizon_share).round() as i64;
                let records: HashMap<RecordKey, RecordMeta> = hub
                    .iter()
                    .map(|(id, (record, updated, tombstoned))| {
                        (
                            (EntityKind::Household, id.clone()),
                            RecordMeta {
                                team_id: "t".into(),
                                versions: record.versions.clone(),
                                tombstoned_at: *tombstoned,
                                updated_seq: *updated,
                            },
                        )
                    })
                    .collect();
                let metas: Vec<EntryMeta> = log
                    .iter()
                    .map(|(seq, c)| {
                        EntryMeta::from_row(
                            *seq,
                            "household",
                            c.entity_id.clone(),
                            "t".into(),
                            "change",
                            &serde_json::to_string(c).unwrap(),
                        )
                        .unwrap()
                    })
                    .collect();
                // Every tombstone is old enough.
                let plan = plan_purge(&records, &metas, horizon, i64::MAX);
                prop_assert!(plan.entries.iter().all(|s| *s <= horizon));
                let kept: Vec<(i64, Change)> = log
                    .iter()
                    .filter(|(s, _)| !plan.entries.contains(s))
                    .cloned()
                    .collect();
                prop_assert_eq!(replay(&kept), replay(&log));
                for key in &plan.records {
                    prop_assert!(hub[&key.1].0.is_deleted());
                }
            }
        }
    }
}
