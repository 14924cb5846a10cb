//! The one merge function: how a replica (the hub, or a laptop) takes in a change to a
//! record it holds, field by field.
//!
//! For each field the change sets:
//!
//! 1. the replica already holds this very version (same HLC): nothing to do, so merging
//!    the same change twice changes nothing;
//! 2. the change was based on the version the replica holds (or the field is new on both
//!    sides): it applies;
//! 3. otherwise the change is concurrent with the replica's own edit:
//!    - an ordinary field goes to the higher HLC (last writer wins; `Hlc`'s order breaks
//!      ties by wall time, then counter, then device id, so every replica picks the same);
//!    - a guarded field ([`is_guarded`]) keeps the stored value and raises a [`Conflict`]
//!      for a person to decide (no conflict when both sides chose the same value).
//!
//! Ordinary fields therefore converge whatever order changes arrive in. Guarded fields are
//! decided by the hub: its push answer carries [`hub_values`] for the guarded fields it
//! kept, which the laptop takes with [`Record::adopt`]; and a laptop replays the hub's log
//! with [`apply_from_hub`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use doorstep_core::Hlc;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::protocol::{Change, Conflict, DELETED_FIELD, EntityKind, HubValue, Operation};

/// The synced state of one record on one replica: its fields and each field's version.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Record {
    /// Field name to value (null for a cleared field).
    pub fields: BTreeMap<String, Value>,
    /// Field name to the HLC of the change that last set it.
    pub versions: BTreeMap<String, Hlc>,
}

impl Record {
    /// A record from its stored fields and versions.
    pub fn new(fields: BTreeMap<String, Value>, versions: BTreeMap<String, Hlc>) -> Self {
        Self { fields, versions }
    }

    /// Whether a delete has won (the record is a tombstone).
    pub fn is_deleted(&self) -> bool {
        self.fields.get(DELETED_FIELD) == Some(&Value::Bool(true))
    }

    /// The record's latest version: the newest of its field versions.
    pub fn version(&self) -> Option<Hlc> {
        self.versions.values().max().copied()
    }

    /// Takes the hub's value of a guarded field after a push (from
    /// [`PushResponse::hub_values`](crate::protocol::PushResponse::hub_values)), unless this
    /// replica has changed the field again since (that later change meets the hub in its
    /// turn). Returns whether it did.
    pub fn adopt(&mut self, hub: &HubValue) -> bool {
        if self.versions.get(&hub.field) != Some(&hub.change_hlc) {
            return false;
        }
        self.fields.insert(hub.field.clone(), hub.value.clone());
        self.versions.insert(hub.field.clone(), hub.hlc);
        true
    }
}

/// What merging did with one field of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldOutcome {
    /// Based on the stored version (or new on both sides): applied.
    Applied,
    /// Concurrent, ordinary, later HLC (or nothing stored): applied.
    Won,
    /// Concurrent, ordinary, earlier HLC: the stored value stays.
    Lost,
    /// This version is already stored: nothing to do.
    Duplicate,
    /// Concurrent, guarded, but the same value as stored: the stored value and version stay.
    Agreed,
    /// Concurrent, guarded, a different value: the stored value stays and a conflict is raised.
    Conflict,
    /// Only in [`apply_from_hub`]: a guarded field with a concurrent unpushed local
    /// change, kept until the hub decides at the next push.
    Pending,
}

impl FieldOutcome {
    /// Whether the change's value and version were written.
    pub fn applied(self) -> bool {
        matches!(self, Self::Applied | Self::Won)
    }
}

/// What merging one change did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    /// Per field of the change.
    pub fields: BTreeMap<String, FieldOutcome>,
    /// The conflicts raised, one per guarded field kept.
    pub conflicts: Vec<Conflict>,
}

impl Outcome {
    /// The fields whose value and version were written.
    pub fn applied_fields(&self) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(_, o)| o.applied())
            .map(|(f, _)| f.as_str())
            .collect()
    }

    /// Whether the record changed at all.
    pub fn changed(&self) -> bool {
        self.fields.values().any(|o| o.applied())
    }

    /// The change as the hub should log it: narrowed to the fields that took effect, or
    /// None when nothing did (then there is nothing for other devices to pull).
    pub fn logged_change(&self, change: &Change) -> Option<Change> {
        change.only_fields(&self.applied_fields())
    }
}

/// A merged record and what the merge did.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The record after the change.
    pub record: Record,
    /// Per-field outcomes and conflicts.
    pub outcome: Outcome,
}

/// Merges `change` into a copy of `stored` (a record not stored yet is `Record::default()`).
pub fn merge(stored: &Record, change: &Change) -> Merged {
    let mut record = stored.clone();
    let outcome = merge_into(&mut record, change);
    Merged { record, outcome }
}

/// Merges `change` into `record` in place (the hub's ingest path: no copy of the record).
pub fn merge_into(record: &mut Record, change: &Change) -> Outcome {
    let mut outcome = Outcome::default();
    for (name, value) in effective_fields(change).iter() {
        let stored = record.versions.get(name).copied();
        let guarded = is_guarded(change.entity, name);
        let result = decide(
            guarded,
            stored,
            change.base_version(name),
            change.hlc,
            record.fields.get(name),
            value,
        );
        if result.applied() {
            record.fields.insert(name.clone(), value.clone());
            record.versions.insert(name.clone(), change.hlc);
        } else if let (FieldOutcome::Conflict, Some(hub_hlc)) = (result, stored) {
            outcome.conflicts.push(Conflict {
                entity: change.entity,
                entity_id: change.entity_id.clone(),
                field: name.clone(),
                hub_value: record.fields.get(name).cloned().unwrap_or(Value::Null),
                hub_hlc,
                device_value: value.clone(),
                device_hlc: change.hlc,
                change_id: change.change_id,
                device_id: change.device_id,
                officer_id: change.officer_id,
            });
        }
        outcome.fields.insert(name.clone(), result);
    }
    outcome
}

/// A laptop replaying one entry of the hub's change log. The hub has already merged it,
/// so a field with no unpushed local change simply takes the hub's value and version.
/// A field the laptop changed and has not pushed yet (`pending`, which may include a
/// change the hub applied but whose answer was lost) goes through the merge rule, except
/// that a guarded conflict is not raised here: the local value stays
/// ([`FieldOutcome::Pending`]), the hub decides when it is pushed, and [`Record::adopt`]
/// takes the hub's answer ([`hub_values`]).
pub fn apply_from_hub(
    record: &mut Record,
    change: &Change,
    pending: impl Fn(&str) -> bool,
) -> Outcome {
    let mut outcome = Outcome::default();
    for (name, value) in effective_fields(change).iter() {
        let stored = record.versions.get(name).copied();
        let result = if !pending(name) {
            if stored == Some(change.hlc) {
                FieldOutcome::Duplicate
            } else {
                FieldOutcome::Applied
            }
        } else {
            match decide(
                is_guarded(change.entity, name),
                stored,
                change.base_version(name),
                change.hlc,
                record.fields.get(name),
                value,
            ) {
                FieldOutcome::Conflict => FieldOutcome::Pending,
                other => other,
            }
        };
        if result.applied() {
            record.fields.insert(name.clone(), value.clone());
            record.versions.insert(name.clone(), change.hlc);
        }
        outcome.fields.insert(name.clone(), result);
    }
    outcome
}

/// For the push answer: the guarded fields of `change` that `record` (the hub's, after the
/// whole batch) holds at another version than the change's own, with the hub's value.
/// Call it for every change of a batch, the already-applied ones included: a laptop whose
/// change lost or merely agreed, or whose earlier answer was lost, learns the hub's value
/// this way and nowhere else, because its cursor may already be past the entry that set it.
pub fn hub_values(record: &Record, change: &Change) -> Vec<HubValue> {
    effective_fields(change)
        .keys()
        .filter(|name| is_guarded(change.entity, name))
        .filter_map(|name| {
            let hlc = *record.versions.get(name)?;
            (hlc != change.hlc).then(|| HubValue {
                entity: change.entity,
                entity_id: change.entity_id.clone(),
                field: name.clone(),
                value: record.fields.get(name).cloned().unwrap_or(Value::Null),
                hlc,
                change_hlc: change.hlc,
            })
        })
        .collect()
}

/// The fields a change sets: its own, or the tombstone field for a delete.
fn effective_fields(change: &Change) -> Cow<'_, Map<String, Value>> {
    match change.operation {
        Operation::Delete => {
            let mut tombstone = Map::new();
            tombstone.insert(DELETED_FIELD.to_owned(), Value::Bool(true));
            Cow::Owned(tombstone)
        }
        Operation::Create | Operation::Update => Cow::Borrowed(&change.fields),
    }
}

/// The rule for one field (see the module doc).
fn decide(
    guarded: bool,
    stored: Option<Hlc>,
    base: Option<Hlc>,
    hlc: Hlc,
    stored_value: Option<&Value>,
    value: &Value,
) -> FieldOutcome {
    let Some(stored) = stored else {
        // Nothing stored: nothing anyone decided can be overwritten.
        return if base.is_none() {
            FieldOutcome::Applied
        } else {
            FieldOutcome::Won
        };
    };
    if stored == hlc {
        return FieldOutcome::Duplicate;
    }
    // A change is always later than its base; one that is not cannot claim a clean apply.
    if base == Some(stored) && hlc > stored {
        return FieldOutcome::Applied;
    }
    if !guarded {
        return if hlc > stored {
            FieldOutcome::Won
        } else {
            FieldOutcome::Lost
        };
    }
    if stored_value.unwrap_or(&Value::Null) == value {
        FieldOutcome::Agreed
    } else {
        FieldOutcome::Conflict
    }
}

/// Which fields are guarded, and why. A field matches an entry by its exact name, by a
/// prefix, or (for a whole entity) always.
#[derive(Debug, Clone, Copy)]
enum Match {
    /// This field only.
    Exact(&'static str),
    /// Any field whose name starts with this.
    Prefix(&'static str),
    /// Every field of the entity, the tombstone included.
    All,
}

/// The guarded fields, in one place. An automatic winner here could undo a decision a
/// person signed, share someone's details without a basis, or hide a safeguarding or
/// health fact; so concurrent edits stop and a supervisor chooses, with both values shown.
const GUARDED: &[(EntityKind, Match, &str)] = &[
    (
        EntityKind::Plan,
        Match::Exact("status"),
        "the plan's lifecycle: an automatic winner could re-open or un-approve a plan \
         whose work has been ordered",
    ),
    (
        EntityKind::Plan,
        Match::Exact("approval"),
        "the supervisor's approval of the budget: a decision with a name on it",
    ),
    (
        EntityKind::Plan,
        Match::Exact("agreement"),
        "the resident's signed agreement: their consent to the work",
    ),
    (
        EntityKind::Plan,
        Match::Exact("landlord_consent"),
        "the landlord's consent to fabric work in a rented home",
    ),
    (
        EntityKind::Plan,
        Match::Exact("da_service_decision"),
        "the domestic abuse service's decision (the only route to gold on DA grounds): \
         safeguarding",
    ),
    (
        EntityKind::Referral,
        Match::Exact("status"),
        "the referral's outcome (sent, acknowledged, declined, closed): another agency \
         acted on it",
    ),
    (
        EntityKind::Referral,
        Match::Exact("consent"),
        "the resident's consent to share their details with the agency",
    ),
    (
        EntityKind::Referral,
        Match::Exact("lawful_basis"),
        "the lawful basis for sharing without consent, with its justification",
    ),
    (
        EntityKind::CharlieCheck,
        Match::All,
        "every CHARLIE answer is about health, habits or vulnerability (mobility, \
         hoarding, smoking, alcohol, living alone), and the level drives referrals",
    ),
    (
        EntityKind::Survey,
        Match::Exact("answers.da_concern"),
        "the domestic abuse flag: safeguarding",
    ),
    (
        EntityKind::Survey,
        Match::Exact("answers.disability_or_mobility"),
        "the resident's disability or mobility: health",
    ),
    (
        EntityKind::Person,
        Match::Prefix("health"),
        "a resident's health details (the record has none today; any field named \
         health… is guarded from the day it is added)",
    ),
];

/// Whether concurrent edits of `field` on `entity` must be decided by a person rather
/// than by clock. The table and the reason for each entry are in `GUARDED` in this file.
pub fn is_guarded(entity: EntityKind, field: &str) -> bool {
    GUARDED.iter().any(|(e, m, _)| {
        *e == entity
            && match m {
                Match::Exact(name) => field == *name,
                Match::Prefix(prefix) => field.starts_with(prefix),
                Match::All => true,
            }
    })
}

/// Every guarded field rule as (entity, field pattern, why), for documentation and screens.
/// The pattern is a field name, `prefix*`, or `*` for every field.
pub fn guarded_fields() -> Vec<(EntityKind, String, &'static str)> {
    GUARDED
        .iter()
        .map(|(e, m, why)| {
            let pattern = match m {
                Match::Exact(name) => (*name).to_owned(),
                Match::Prefix(prefix) => format!("{prefix}*"),
                Match::All => "*".to_owned(),
            };
            (*e, pattern, *why)
        })
        .collect()
}
